package io.tetragonroutes.rules;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The value index's substring automaton and folded tries against the plain String methods they replace: every
 * rule whose value occurs in the text is marked, and no other.
 */
class ValueIndexTest {

    private static final FieldPath PATH = FieldPath.compile("*.process.arguments");

    private static Set<Integer> marked(ValueIndex ix, String text, int rules) {
        long[] selected = new long[(rules + 63) >>> 6];
        ix.mark(text, selected);
        Set<Integer> out = new java.util.TreeSet<>();
        for (int i = 0; i < rules; i++) {
            if ((selected[i >>> 6] & (1L << i)) != 0) {
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void substringsOverlappingAndFoldedAsInTheTextbook() {
        List<String> values = List.of("he", "she", "his", "hers", "\u2013exec", "APT::");
        ValueIndex ix = new ValueIndex(PATH, Condition.KeyKind.CONTAINS, true, values.size());
        for (int i = 0; i < values.size(); i++) {
            ix.add(List.of(values.get(i)), i);
        }
        ix.prepare();
        assertEquals(Set.of(0, 1, 3), marked(ix, "uSHErs", values.size()));
        assertEquals(Set.of(2), marked(ix, "this", values.size()));
        assertEquals(Set.of(4, 5), marked(ix, "find . \u2013EXEC apt::x", values.size()));
        assertEquals(Set.of(), marked(ix, "", values.size()));
    }

    @Test
    void randomValuesAndTextsAgreeWithStringMethods() {
        Random rnd = new Random(31);
        String alphabet = "abcAB-/ \u00e9\u2013";
        for (int round = 0; round < 200; round++) {
            int n = 1 + rnd.nextInt(70);
            List<String> values = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                values.add(random(rnd, alphabet, 1 + rnd.nextInt(4)));
            }
            for (Condition.KeyKind kind : Condition.KeyKind.values()) {
                for (boolean folded : new boolean[] {false, true}) {
                    ValueIndex ix = new ValueIndex(PATH, kind, folded, n);
                    for (int i = 0; i < n; i++) {
                        ix.add(List.of(values.get(i)), i);
                    }
                    ix.prepare();
                    for (int t = 0; t < 5; t++) {
                        String text = random(rnd, alphabet, rnd.nextInt(30));
                        Set<Integer> want = new java.util.TreeSet<>();
                        for (int i = 0; i < n; i++) {
                            String v = folded ? values.get(i).toLowerCase(Locale.ROOT) : values.get(i);
                            String x = folded ? text.toLowerCase(Locale.ROOT) : text;
                            boolean hit = switch (kind) {
                                case EXACT -> x.equals(v);
                                case PREFIX -> x.startsWith(v);
                                case SUFFIX -> x.endsWith(v);
                                case CONTAINS -> x.contains(v);
                            };
                            if (hit) {
                                want.add(i);
                            }
                        }
                        assertEquals(want, marked(ix, text, n), kind + " folded=" + folded + " '" + text + "' " + values);
                    }
                }
            }
        }
    }

    private static String random(Random rnd, String alphabet, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
