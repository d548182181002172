package io.tetragonroutes.rules;

import io.tetragonroutes.event.TetragonEvent;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A compiled match: all/any/not of field tests and Camel expressions. Each condition also says which event types
 * and kernel functions it can hold for ({@code null} = any), which is how {@link RuleSet} indexes rules so that
 * an event is only tested against the rules that can match it.
 */
public interface Condition {

    boolean test(TetragonEvent e);

    /** Event type keys this condition can only hold for, or null. */
    default Set<String> eventKeys() {
        return null;
    }

    /** Kernel functions ({@code function_name}) this condition can only hold for, or null. */
    default Set<String> functions() {
        return null;
    }

    /**
     * Keys of which one must hold for this condition to hold, or null when the condition cannot say (a regex, a
     * number, a negation). {@link RuleSet} indexes rules by them, so adding rules on other values costs a lookup,
     * not a test per rule.
     */
    default List<Key> keys() {
        return null;
    }

    /**
     * A value at {@code path} equal to ({@code EXACT}), starting with, ending with or containing one of
     * {@code values}; {@code folded}: compared without case ({@code values} are then lower case).
     */
    record Key(TextSource path, KeyKind kind, Set<String> values, boolean folded) {
        public Key(TextSource path, KeyKind kind, Set<String> values) {
            this(path, kind, values, false);
        }

        /** How few events a key lets through, roughly: exact values, then prefixes and suffixes, then substrings. */
        int selectivity() {
            return switch (kind) {
                case EXACT -> 3;
                case PREFIX, SUFFIX -> 2;
                case CONTAINS -> 1;
            };
        }
    }

    enum KeyKind { EXACT, PREFIX, SUFFIX, CONTAINS }

    /**
     * A field compared with an operator. {@code exists: false} holds when no value is there.
     *
     * @param key what the operator needs of the value, when it is case-sensitive text equality, prefix or suffix
     */
    record Field(FieldPath path, String op, ValueTest valueTest, boolean negate, Key key)
            implements Condition {

        @Override
        public boolean test(TetragonEvent e) {
            return path.anyMatch(e, valueTest) != negate;
        }

        @Override
        public Set<String> eventKeys() {
            if (negate) {
                return null;
            }
            if (path.isType()) {
                return exactValues();
            }
            return path.eventKey() == null ? null : Set.of(path.eventKey());
        }

        @Override
        public Set<String> functions() {
            return !negate && path.text().endsWith(".function_name") && path.text().indexOf('.') == path.text().lastIndexOf('.')
                    ? exactValues() : null;
        }

        /** The values the field must equal, for {@code equals} (text) and {@code in}; else null. */
        private Set<String> exactValues() {
            return key != null && key.kind() == KeyKind.EXACT ? key.values() : null;
        }

        @Override
        public List<Key> keys() {
            // types and kernel functions have their own index
            return key == null || negate || path.isType() || functions() != null ? null : List.of(key);
        }
    }

    /** Every condition holds. An array, not a list: no iterator per test on the hot path. */
    record All(Condition[] all) implements Condition {
        public All(List<Condition> all) {
            this(all.toArray(Condition[]::new));
        }

        @Override
        public boolean test(TetragonEvent e) {
            for (Condition c : all) {
                if (!c.test(e)) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public Set<String> eventKeys() {
            return intersect(java.util.Arrays.stream(all).map(Condition::eventKeys).toList());
        }

        @Override
        public Set<String> functions() {
            return intersect(java.util.Arrays.stream(all).map(Condition::functions).toList());
        }

        /**
         * Any one condition's keys will do; the first of the most selective kind is taken (exact values, then
         * prefixes and suffixes, then substrings). Rule order is the writer's: they put the telling field first.
         */
        @Override
        public List<Key> keys() {
            List<Key> best = null;
            int bestScore = -1;
            for (Condition c : all) {
                List<Key> k = c.keys();
                if (k == null) {
                    continue;
                }
                int score = Integer.MAX_VALUE;
                for (Key key : k) {
                    score = Math.min(score, key.selectivity());
                }
                if (best == null || score > bestScore) {
                    best = k;
                    bestScore = score;
                }
            }
            return best;
        }
    }

    /** At least one condition holds. */
    record Any(Condition[] any) implements Condition {
        public Any(List<Condition> any) {
            this(any.toArray(Condition[]::new));
        }

        @Override
        public boolean test(TetragonEvent e) {
            for (Condition c : any) {
                if (c.test(e)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public Set<String> eventKeys() {
            return union(java.util.Arrays.stream(any).map(Condition::eventKeys).toList());
        }

        @Override
        public Set<String> functions() {
            return union(java.util.Arrays.stream(any).map(Condition::functions).toList());
        }

        /** One of the conditions' keys, when every condition has some. */
        @Override
        public List<Key> keys() {
            List<Key> out = new ArrayList<>();
            for (Condition c : any) {
                List<Key> k = c.keys();
                if (k == null) {
                    return null;
                }
                out.addAll(k);
            }
            return out;
        }
    }

    record Not(Condition not) implements Condition {
        @Override
        public boolean test(TetragonEvent e) {
            return !not.test(e);
        }
    }

    /**
     * A Camel language predicate (simple, jsonpath, ...). The body is the event's JSON tree and the variable
     * {@code event} the {@link TetragonEvent}. One exchange per test: for what fields and operators cannot say.
     * An expression that fails on an event (a path it lacks) does not match it; the first failure is logged.
     */
    record Expression(String language, String text, Predicate predicate, CamelContext context, AtomicBoolean warned)
            implements Condition {
        @Override
        public boolean test(TetragonEvent e) {
            Exchange ex = new DefaultExchange(context);
            ex.getMessage().setBody(e.root());
            ex.setVariable("event", e);
            try {
                return predicate.matches(ex);
            } catch (RuntimeException failed) {
                if (warned.compareAndSet(false, true)) {
                    LoggerFactory.getLogger(Condition.class).warn("{} expression '{}' failed on a {} event, counted as "
                            + "no match (logged once): {}", language, text, e.typeKey(), failed.toString());
                }
                return false;
            }
        }
    }

    private static Set<String> intersect(List<Set<String>> sets) {
        Set<String> out = null;
        for (Set<String> s : sets) {
            if (s == null) {
                continue;
            }
            if (out == null) {
                out = new HashSet<>(s);
            } else {
                out.retainAll(s);
            }
        }
        return out;
    }

    private static Set<String> union(List<Set<String>> sets) {
        Set<String> out = new HashSet<>();
        for (Set<String> s : sets) {
            if (s == null) {
                return null;
            }
            out.addAll(s);
        }
        return out;
    }
}
