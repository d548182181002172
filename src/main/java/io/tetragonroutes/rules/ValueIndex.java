package io.tetragonroutes.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.tetragonroutes.event.TetragonEvent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

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
    /** Exact values only: bit n set when some value has length n (n < 63), bit 63 for the longer ones. */
    private long lengths;
    private int longest;
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
                lengths |= 1L << Math.min(v.length(), 63);
                longest = Math.max(longest, v.length());
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

    /**
     * Marks the rules of the indexes of one event, one index after another: one object per event, however many
     * indexes (a lambda per index would capture {@code selected} each time).
     */
    static final class Marker implements ValueTest, TextSource.TextTest {
        final long[] selected;
        ValueIndex index;

        Marker(long[] selected) {
            this.selected = selected;
        }

        @Override
        public boolean test(JsonNode v) {
            String t = ValueTest.text(v);
            if (t != null) {
                index.mark(t, selected);
            }
            return false; // every value of the field
        }

        @Override
        public boolean test(String t) {
            index.mark(t, selected);
            return false;
        }
    }

    /** Sets in {@code m.selected} the rules whose key a value of {@code e} meets. */
    void mark(TetragonEvent e, Marker m) {
        m.index = this;
        if (fieldPath != null) {
            fieldPath.anyMatch(e, (ValueTest) m);
        } else if (kind == Condition.KeyKind.CONTAINS || kind == Condition.KeyKind.SUFFIX) {
            path.anyCovering(e, m);
        } else {
            path.anyText(e, m);
        }
    }

    void mark(String t, long[] selected) {
        if (kind == Condition.KeyKind.EXACT) {
            int n = t.length();
            if (n > longest || (lengths & 1L << Math.min(n, 63)) == 0) {
                return; // no value of this length: no hash of a long command line for a short value
            }
            or(selected, exact.get(folded ? t.toLowerCase(Locale.ROOT) : t));
            return;
        }
        if (kind == Condition.KeyKind.CONTAINS) {
            scan(t, selected);
            return;
        }
        Node n = trie;
        or(selected, n.rules);
        for (int i = 0; i < t.length() && n != null; i++) {
            n = n.child(fold(at(t, i)));
            if (n != null) {
                or(selected, n.rules);
            }
        }
    }

    /** Builds what marking needs, once all values are added: for substrings, the automaton. */
    void prepare() {
        if (kind == Condition.KeyKind.CONTAINS) {
            automaton();
        }
    }

    // The substring automaton as a table: states in breadth-first order (0 is the root), characters by class
    // (class 0: a character no value has, which always leads back to the root), one int per state and class.
    private int classes;
    private final char[] asciiClass = new char[128];
    private char[] otherChars = new char[0];
    private int[] delta;
    private long[][] outputs;

    /**
     * Aho-Corasick: failure links (the longest proper suffix of a state that is also in the trie), outputs (a
     * state's rules and its failure state's), then every transition resolved, so a scan is one table read per
     * character.
     */
    private void automaton() {
        TreeSet<Character> alphabet = new TreeSet<>();
        List<Node> order = new ArrayList<>();
        ArrayDeque<Node> queue = new ArrayDeque<>();
        queue.add(trie);
        while (!queue.isEmpty()) {
            Node n = queue.poll();
            n.id = order.size();
            order.add(n);
            for (int i = 0; i < n.chars.length; i++) {
                alphabet.add(n.chars[i]);
                queue.add(n.next[i]);
            }
        }
        classes = alphabet.size() + 1;
        StringBuilder other = new StringBuilder();
        int k = 1;
        for (char c : alphabet) {
            if (c < 128) {
                asciiClass[c] = (char) k;
                if (folded && c >= 'a' && c <= 'z') {
                    asciiClass[c - 32] = (char) k; // an upper-case letter reads as its lower case
                }
            } else {
                other.append(c);
            }
            k++;
        }
        otherChars = other.toString().toCharArray();
        char[] byClass = new char[classes];
        k = 1;
        for (char c : alphabet) {
            byClass[k++] = c;
        }
        delta = new int[order.size() * classes];
        outputs = new long[order.size()][];
        trie.fail = trie;
        for (Node n : order) {
            if (n != trie) {
                n.out = union(n.rules, n.fail.out);
            } else {
                n.out = n.rules;
            }
            outputs[n.id] = n.out;
            for (int c = 1; c < classes; c++) {
                Node to = n.child(byClass[c]);
                if (to != null) {
                    delta[n.id * classes + c] = to.id;
                    to.fail = n == trie ? trie : order.get(delta[n.fail.id * classes + c]);
                } else {
                    delta[n.id * classes + c] = n == trie ? 0 : delta[n.fail.id * classes + c];
                }
            }
        }
    }

    /** Marks the rules of every value that occurs in {@code t}: one table read per character. */
    private void scan(String t, long[] selected) {
        or(selected, outputs[0]);
        int state = 0;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            int cls = c < 128 ? asciiClass[c] : otherClass(fold(c));
            state = delta[state * classes + cls];
            long[] o = outputs[state];
            if (o != null) {
                or(selected, o);
            }
        }
    }

    private int otherClass(char c) {
        int i = Arrays.binarySearch(otherChars, c);
        return i < 0 ? 0 : classes - otherChars.length + i; // the alphabet is sorted: other characters come last
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
        /** Substring automaton only: the longest proper suffix that is in the trie, the rules it ends, its state. */
        Node fail;
        long[] out;
        int id;

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
