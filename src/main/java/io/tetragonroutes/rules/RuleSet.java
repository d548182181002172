package io.tetragonroutes.rules;

import io.tetragonroutes.event.TetragonEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A compiled, immutable set of rules, indexed so that each event is tested only against rules that can match it:
 * by event type, for hook events by kernel function, and within those buckets by the values the rules' conditions
 * need ({@link Condition#keys()}: exact values, prefixes, suffixes). The buckets are built at load, in rule order,
 * so the hot path does a few map lookups per event, however many rules there are.
 */
public final class RuleSet {

    private final List<Rule> rules;
    private final List<Skipped> skipped;
    private final Bucket anyType;
    private final Map<String, Bucket> byType = new HashMap<>();
    private final Map<String, Map<String, Bucket>> byTypeFunction = new HashMap<>();

    /**
     * A rule of a foreign format (Sigma) that was read but not loaded, and why: {@code reason} is short and bounded
     * (a metric label: {@code field:DestinationHostname}), {@code detail} says it in words.
     *
     * @param source "file:line"
     */
    public record Skipped(String source, String title, String id, String reason, String detail) {
    }

    public RuleSet(List<Rule> rules) {
        this(rules, List.of());
    }

    public RuleSet(List<Rule> rules, List<Skipped> skipped) {
        this.rules = List.copyOf(rules);
        this.skipped = List.copyOf(skipped);
        Set<String> types = new HashSet<>();
        for (Rule r : rules) {
            Set<String> t = r.match().eventKeys();
            if (t != null) {
                types.addAll(t);
            }
        }
        anyType = select(null, null);
        for (String type : types) {
            byType.put(type, select(type, null));
            Set<String> fns = new HashSet<>();
            for (Rule r : rules) {
                if (applies(r.match().eventKeys(), type) && r.match().functions() != null) {
                    fns.addAll(r.match().functions());
                }
            }
            if (!fns.isEmpty()) {
                Map<String, Bucket> m = new HashMap<>();
                for (String fn : fns) {
                    m.put(fn, select(type, fn));
                }
                m.put("", select(type, "")); // a function no rule names
                byTypeFunction.put(type, m);
            }
        }
    }

    public static RuleSet empty() {
        return new RuleSet(List.of());
    }

    public List<Rule> rules() {
        return rules;
    }

    public int size() {
        return rules.size();
    }

    /** Rules read and not loaded, with why. */
    public List<Skipped> skipped() {
        return skipped;
    }

    /** How many rules were skipped for each reason, by reason. */
    public java.util.SortedMap<String, Integer> skippedByReason() {
        java.util.SortedMap<String, Integer> out = new java.util.TreeMap<>();
        for (Skipped s : skipped) {
            out.merge(s.reason(), 1, Integer::sum);
        }
        return out;
    }

    /** The rules that can match {@code e} by its type and kernel function, in rule order. */
    public Rule[] candidates(TetragonEvent e) {
        return bucket(e).rules;
    }

    /** The rules {@code e} is tested against: its {@link #candidates} whose keys its values meet, in rule order. */
    public Rule[] tested(TetragonEvent e) {
        Bucket b = bucket(e);
        long[] selected = b.select(e);
        List<Rule> out = new ArrayList<>();
        for (int i = 0; i < b.rules.length; i++) {
            if (Bucket.isSet(selected, i)) {
                out.add(b.rules[i]);
            }
        }
        return out.toArray(Rule[]::new);
    }

    Bucket bucket(TetragonEvent e) {
        Bucket forType = byType.get(e.typeKey());
        if (forType == null) {
            return anyType;
        }
        Map<String, Bucket> fm = byTypeFunction.get(e.typeKey());
        if (fm == null) {
            return forType;
        }
        String fn = e.functionName();
        Bucket forFn = fm.get(fn == null ? "" : fn);
        return forFn != null ? forFn : fm.get("");
    }

    /**
     * The rules one type (and function) can reach. Rules with keys are found through one {@link ValueIndex} per
     * field and kind; rules without (a regex, a number, a Camel expression) and rules with a hook (which hears of
     * misses too) are tested on every event of the bucket.
     */
    static final class Bucket {
        final Rule[] rules;
        private final long[] always;
        private final ValueIndex[] indexes;

        Bucket(Rule[] rules) {
            this.rules = rules;
            this.always = new long[(rules.length + 63) >>> 6];
            Map<String, ValueIndex> byKey = new LinkedHashMap<>();
            for (int i = 0; i < rules.length; i++) {
                List<Condition.Key> keys = rules[i].hook() == null ? rules[i].match().keys() : null;
                if (keys == null) {
                    always[i >>> 6] |= 1L << i;
                    continue;
                }
                for (Condition.Key k : keys) {
                    byKey.computeIfAbsent(k.kind() + (k.folded() ? " folded " : " ") + k.path().text(),
                            x -> new ValueIndex(k.path(), k.kind(), k.folded(), rules.length)).add(k.values(), i);
                }
            }
            this.indexes = byKey.values().toArray(ValueIndex[]::new);
            for (ValueIndex ix : indexes) {
                ix.prepare();
            }
        }

        /** A bit per rule, in rule order: set for the rules to test on {@code e}. Read only. */
        long[] select(TetragonEvent e) {
            if (indexes.length == 0) {
                return always;
            }
            ValueIndex.Marker m = new ValueIndex.Marker(always.clone());
            for (ValueIndex ix : indexes) {
                ix.mark(e, m);
            }
            return m.selected;
        }

        static boolean isSet(long[] selected, int i) {
            return (selected[i >>> 6] & (1L << i)) != 0;
        }
    }

    /** Rules for a type (null = a type no rule names) and function (null = do not filter, "" = none named). */
    private Bucket select(String type, String fn) {
        List<Rule> out = new ArrayList<>();
        for (Rule r : rules) {
            Set<String> t = r.match().eventKeys();
            if (type == null ? t != null : !applies(t, type)) {
                continue;
            }
            Set<String> f = r.match().functions();
            if (fn != null && f != null && !f.contains(fn)) {
                continue;
            }
            out.add(r);
        }
        return new Bucket(out.toArray(Rule[]::new));
    }

    private static boolean applies(Set<String> keys, String type) {
        return keys == null || keys.contains(type);
    }

    /** The ids of the rules {@code e} matches, in the set's order; no side effects (for rule tests). */
    public List<String> matchingIds(TetragonEvent e) {
        List<String> ids = new ArrayList<>();
        for (Rule r : tested(e)) {
            if (r.match().test(e)) {
                ids.add(r.id());
            }
        }
        return ids;
    }

    /** Stops what the rules' hooks run (timers of Parseable targets). */
    public void close() {
        for (Rule r : rules) {
            if (r.hook() != null) {
                r.hook().close();
            }
        }
    }
}
