package io.tetragonroutes.rules;

import io.tetragonroutes.event.TetragonEvent;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The rules of one {@link RuleSet} bucket keyed on one field and kind ({@link Condition.Key}): exact values in a
 * hash map, prefixes and suffixes in a character trie. Marking reads the event's value(s) at the field once and
 * sets the bit of every rule whose key it meets, whatever the number of rules.
 */
final class ValueIndex {

    private final FieldPath path;
    private final Condition.KeyKind kind;
    private final int words;
    private final Map<String, long[]> exact = new HashMap<>();
    private final Node trie = new Node();

    ValueIndex(FieldPath path, Condition.KeyKind kind, int rules) {
        this.path = path;
        this.kind = kind;
        this.words = (rules + 63) >>> 6;
    }

    void add(Iterable<String> values, int rule) {
        for (String v : values) {
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
        path.anyMatch(e, v -> {
            String t = ValueTest.text(v);
            if (t != null) {
                mark(t, selected);
            }
            return false; // every value of the field
        });
    }

    private void mark(String t, long[] selected) {
        if (kind == Condition.KeyKind.EXACT) {
            or(selected, exact.get(t));
            return;
        }
        Node n = trie;
        or(selected, n.rules);
        for (int i = 0; i < t.length() && n != null; i++) {
            n = n.child(at(t, i));
            if (n != null) {
                or(selected, n.rules);
            }
        }
    }

    /** The i-th character in trie order: from the start for prefixes, from the end for suffixes. */
    private char at(String s, int i) {
        return s.charAt(kind == Condition.KeyKind.PREFIX ? i : s.length() - 1 - i);
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
