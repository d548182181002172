package io.tetragonroutes.rules;

import io.tetragonroutes.event.TetragonEvent;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The rules of one {@link RuleSet} bucket keyed on one source, kind and case ({@link Condition.Key}): exact values
 * in a hash map, prefixes and suffixes in a character trie, substrings in an Aho-Corasick automaton (the trie of
 * the substrings with failure links). Marking reads the event's value(s) once and sets the bit of every rule whose
 * key it meets, in one pass over each value, whatever the number of rules. A folded index compares characters
 * in lower case (no copy of the value is made, except for exact values that have upper-case letters).
 */
final class ValueIndex {

    private final TextSource path;
    /** {@code path} when it is a plain field path: read directly, as most keys are. */
    private final FieldPath fieldPath;
    private final Condition.KeyKind kind;
    private final boolean folded;
    private final int words;
    private final Map<String, long[]> exact = new HashMap<>();
    private final Node trie = new Node();

    ValueIndex(TextSource path, Condition.KeyKind kind, boolean folded, int rules) {
        this.path = path;
        this.fieldPath = path instanceof FieldPath fp ? fp : null;
        this.kind = kind;
        this.folded = folded;
        this.words = (rules + 63) >>> 6;
    }

    void add(Iterable<String> values, int rule) {
        for (String given : values) {
            String v = folded ? given.toLowerCase(Locale.ROOT) : given;
            long[] bits;
            if (kind == Condition.KeyKind.EXACT) {
                bits = exact.computeIfAbsent(v, k -> new long[words]);
            } else {
                Node n = trie;
                for (int i = 0; i < v.length(); i++) {
                    n = n.add(at(v, i));
                }
                if (n.rules == null) {
                    n.rules = new long[words];
                }
                bits = n.rules;
            }
            bits[rule >>> 6] |= 1L << rule;
        }
    }

    /** Sets in {@code selected} the rules whose key a value of {@code e} meets. */
    void mark(TetragonEvent e, long[] selected) {
        if (fieldPath != null) {
            fieldPath.anyMatch(e, v -> {
                String t = ValueTest.text(v);
                if (t != null) {
                    mark(t, selected);
                }
                return false; // every value of the field
            });
            return;
        }
        path.anyText(e, t -> {
            mark(t, selected);
            return false;
        });
    }

    private void mark(String t, long[] selected) {
        if (kind == Condition.KeyKind.EXACT) {
            or(selected, exact.get(folded ? t.toLowerCase(Locale.ROOT) : t));
            return;
        }
        Node n = trie;
        or(selected, n.rules);
        if (kind == Condition.KeyKind.CONTAINS) {
            for (int i = 0; i < t.length(); i++) {
                char c = fold(t.charAt(i));
                Node next = n.child(c);
                while (next == null && n != trie) {
                    n = n.fail;
                    next = n.child(c);
                }
                n = next == null ? trie : next;
                or(selected, n.out);
            }
            return;
        }
        for (int i = 0; i < t.length() && n != null; i++) {
            n = n.child(fold(at(t, i)));
            if (n != null) {
                or(selected, n.rules);
            }
        }
    }

    /** Builds what marking needs, once all values are added: for substrings, the failure links. */
    void prepare() {
        if (kind == Condition.KeyKind.CONTAINS) {
            link();
        }
    }

    /** Failure links and outputs (a node's own rules and those of its longest proper suffix in the trie). */
    private void link() {
        ArrayDeque<Node> queue = new ArrayDeque<>();
        trie.fail = trie;
        trie.out = trie.rules;
        for (Node c : trie.next) {
            c.fail = trie;
            queue.add(c);
        }
        while (!queue.isEmpty()) {
            Node n = queue.poll();
            n.out = union(n.rules, n.fail.out);
            for (int i = 0; i < n.chars.length; i++) {
                Node c = n.next[i];
                Node f = n.fail;
                Node to = f.child(n.chars[i]);
                while (to == null && f != trie) {
                    f = f.fail;
                    to = f.child(n.chars[i]);
                }
                c.fail = to == null || to == c ? trie : to;
                queue.add(c);
            }
        }
    }

    private long[] union(long[] a, long[] b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        long[] u = a.clone();
        or(u, b);
        return u;
    }

    private char fold(char c) {
        return folded ? Character.toLowerCase(c) : c;
    }

    /** The i-th character in trie order: from the end for suffixes, else from the start. */
    private char at(String s, int i) {
        return s.charAt(kind == Condition.KeyKind.SUFFIX ? s.length() - 1 - i : i);
    }

    private static void or(long[] into, long[] bits) {
        if (bits != null) {
            for (int i = 0; i < bits.length; i++) {
                into[i] |= bits[i];
            }
        }
    }

    /** A trie node: children by character (sorted, binary-searched), and the rules whose value ends here. */
    private static final class Node {
        char[] chars = new char[0];
        Node[] next = new Node[0];
        long[] rules;
        /** Substring automaton only: the longest proper suffix that is in the trie, and the rules it ends. */
        Node fail;
        long[] out;

        Node child(char c) {
            int i = Arrays.binarySearch(chars, c);
            return i >= 0 ? next[i] : null;
        }

        Node add(char c) {
            int i = Arrays.binarySearch(chars, c);
            if (i >= 0) {
                return next[i];
            }
            int at = -i - 1;
            char[] cs = new char[chars.length + 1];
            Node[] ns = new Node[next.length + 1];
            System.arraycopy(chars, 0, cs, 0, at);
            System.arraycopy(next, 0, ns, 0, at);
            System.arraycopy(chars, at, cs, at + 1, chars.length - at);
            System.arraycopy(next, at, ns, at + 1, next.length - at);
            cs[at] = c;
            ns[at] = new Node();
            chars = cs;
            next = ns;
            return ns[at];
        }
    }
}
