package io.tetragonroutes.rules.sigma;

import io.tetragonroutes.rules.Cidr;
import io.tetragonroutes.rules.Condition;
import io.tetragonroutes.rules.TextSource;
import io.tetragonroutes.rules.TextSource.TextTest;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns one Sigma detection item ({@code Field|mod|mod: values}) into conditions, once at load: wildcards into
 * patterns, case folded, windash variants made, CIDRs decoded, regexes compiled. Matching is case-insensitive unless
 * {@code cased}; a regex is case-sensitive unless {@code re|i}.
 */
final class SigmaValues {

    /** Modifiers of the specification (v2.1) this kit does not apply to Tetragon data: their rules are skipped. */
    static final Set<String> NOT_SUPPORTED = Set.of("base64", "base64offset", "utf16le", "utf16be", "utf16", "wide",
            "expand", "fieldref", "minute", "hour", "day", "week", "month", "year");
    private static final Set<String> TYPES = Set.of("contains", "startswith", "endswith", "re", "cidr", "exists", "gt",
            "gte", "lt", "lte", "neq");
    private static final Set<String> FLAGS = Set.of("all", "cased", "windash", "i", "m", "s");
    private static final String[] DASHES = {"-", "/", "\u2013", "\u2014", "\u2015"};

    /** A modifier that is not in the specification: the rule is broken (a typo), not merely unsupported. */
    static final class Unknown extends IllegalArgumentException {
        Unknown(String m) {
            super(m);
        }
    }

    private SigmaValues() {
    }

    /** Whether {@code m} is a modifier this kit knows (applies or skips). */
    static boolean known(String m) {
        return TYPES.contains(m) || FLAGS.contains(m) || NOT_SUPPORTED.contains(m);
    }

    /**
     * @param values String, Long, Double, Boolean or null items (a single value is a list of one)
     * @throws IllegalArgumentException what is wrong (bad regex, CIDR, a modifier where it cannot be)
     */
    static Condition compile(TextSource source, List<String> modifiers, List<Object> values) {
        String type = null;
        boolean all = false;
        boolean cased = false;
        boolean windash = false;
        int reFlags = 0;
        for (String m : modifiers) {
            if (TYPES.contains(m)) {
                if (type != null) {
                    throw new IllegalArgumentException("two value modifiers '" + type + "' and '" + m + "'");
                }
                type = m;
            } else if (m.equals("all")) {
                all = true;
            } else if (m.equals("cased")) {
                cased = true;
            } else if (m.equals("windash")) {
                windash = true;
            } else if (m.equals("i") || m.equals("m") || m.equals("s")) {
                if (!"re".equals(type)) {
                    throw new IllegalArgumentException("'" + m + "' is a flag of 're' and comes after it");
                }
                reFlags |= m.equals("i") ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE
                        : m.equals("m") ? Pattern.MULTILINE : Pattern.DOTALL;
            } else {
                throw new Unknown("unknown modifier '" + m + "'");
            }
        }
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no value");
        }
        if (values.size() > 1 && values.contains(null)) {
            throw new IllegalArgumentException("null cannot be one of a list of values (use its own selection)");
        }
        if (values.get(0) == null) {
            if (type != null) {
                throw new IllegalArgumentException("null takes no modifier");
            }
            return new Condition.Not(new SigmaTest(source, v -> !v.isEmpty(), null, "has a value"));
        }
        if ("exists".equals(type)) {
            if (values.size() != 1 || !(values.get(0) instanceof Boolean b)) {
                throw new IllegalArgumentException("exists takes true or false");
            }
            SigmaTest has = new SigmaTest(source, v -> true, null, "exists");
            return b ? has : new Condition.Not(has);
        }
        if ("neq".equals(type)) {
            return new Condition.Not(compile(source, without(modifiers, "neq"), values));
        }
        List<String> texts = new ArrayList<>();
        for (Object v : values) {
            texts.add(v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d) ? String.valueOf(d.longValue())
                    : String.valueOf(v));
        }
        if (all && values.size() > 1) {
            List<Condition> each = new ArrayList<>();
            for (Object v : values) {
                each.add(compile(source, without(modifiers, "all"), List.of(v)));
            }
            return new Condition.All(each);
        }
        String t = type == null ? "equals" : type;
        switch (t) {
            case "re" -> {
                List<Pattern> ps = new ArrayList<>();
                for (String r : texts) {
                    try {
                        ps.add(Pattern.compile(r, reFlags));
                    } catch (PatternSyntaxException e) {
                        throw new IllegalArgumentException("bad regex '" + r + "': " + e.getDescription() + " near index "
                                + e.getIndex());
                    }
                }
                Pattern[] p = ps.toArray(Pattern[]::new);
                // found in a value, a regex without anchors or look-around is found in any value holding it
                boolean covering = texts.stream().noneMatch(r -> r.contains("^") || r.contains("\\b")
                        || r.contains("\\B") || r.contains("\\A") || r.contains("\\G") || r.contains("(?<"));
                return new SigmaTest(source, v -> {
                    for (Pattern x : p) {
                        if (x.matcher(v).find()) {
                            return true;
                        }
                    }
                    return false;
                }, null, "re " + texts, covering);
            }
            case "cidr" -> {
                List<Cidr> nets = new ArrayList<>();
                for (String c : texts) {
                    nets.add(Cidr.parse(c.trim()));
                }
                Cidr[] n = nets.toArray(Cidr[]::new);
                return new SigmaTest(source, v -> {
                    byte[] ip = Cidr.address(v);
                    if (ip != null) {
                        for (Cidr c : n) {
                            if (c.contains(ip)) {
                                return true;
                            }
                        }
                    }
                    return false;
                }, null, "cidr " + texts);
            }
            case "gt", "gte", "lt", "lte" -> {
                double[] want = new double[values.size()];
                for (int i = 0; i < want.length; i++) {
                    if (!(values.get(i) instanceof Number num)) {
                        throw new IllegalArgumentException(t + " takes a number, not '" + values.get(i) + "'");
                    }
                    want[i] = num.doubleValue();
                }
                return new SigmaTest(source, v -> {
                    double got = number(v);
                    for (double w : want) {
                        int c = Double.compare(got, w);
                        if (!Double.isNaN(got) && (t.equals("gt") ? c > 0 : t.equals("gte") ? c >= 0
                                : t.equals("lt") ? c < 0 : c <= 0)) {
                            return true;
                        }
                    }
                    return false;
                }, null, t + " " + texts);
            }
            default -> {
                return strings(source, t, texts, cased, windash);
            }
        }
    }

    private static List<String> without(List<String> modifiers, String m) {
        List<String> out = new ArrayList<>(modifiers);
        out.remove(m);
        return out;
    }

    /** equals/contains/startswith/endswith on each value (wildcards honoured); any value may match. */
    private static Condition strings(TextSource source, String type, List<String> given, boolean cased, boolean windash) {
        Set<String> variants = new LinkedHashSet<>();
        for (String v : given) {
            variants.addAll(windash ? windash(v) : List.of(v));
        }
        List<TextTest> tests = new ArrayList<>();
        Set<String> keys = new LinkedHashSet<>();
        boolean keyed = true;
        for (String v : variants) {
            Pattern glob = glob(v, type, cased);
            if (glob != null) {
                keyed = false;
                tests.add(x -> glob.matcher(x).find());
                continue;
            }
            String lit = unescape(v);
            String w = cased ? lit : lit.toLowerCase(Locale.ROOT);
            keys.add(w);
            tests.add(switch (type) {
                case "contains" -> cased ? x -> x.contains(w) : x -> containsFolded(x, w);
                case "startswith" -> x -> x.regionMatches(!cased, 0, w, 0, w.length());
                case "endswith" -> x -> x.length() >= w.length()
                        && x.regionMatches(!cased, x.length() - w.length(), w, 0, w.length());
                default -> cased ? x -> x.equals(w) : x -> x.equalsIgnoreCase(w);
            });
        }
        TextTest[] ts = tests.toArray(TextTest[]::new);
        TextTest any = ts.length == 1 ? ts[0] : x -> {
            for (TextTest t : ts) {
                if (t.test(x)) {
                    return true;
                }
            }
            return false;
        };
        Condition.KeyKind kind = switch (type) {
            case "contains" -> Condition.KeyKind.CONTAINS;
            case "startswith" -> Condition.KeyKind.PREFIX;
            case "endswith" -> Condition.KeyKind.SUFFIX;
            default -> Condition.KeyKind.EXACT;
        };
        Condition.Key key = keyed ? new Condition.Key(source, kind, Set.copyOf(keys), !cased) : null;
        return new SigmaTest(source, any, key, type + (cased ? "|cased " : " ") + given,
                type.equals("contains") || type.equals("endswith"));
    }

    /** Case-insensitive {@code hay.contains(lower)}, {@code lower} already in lower case; no copy of {@code hay}. */
    static boolean containsFolded(String hay, String lower) {
        int n = lower.length();
        if (n == 0) {
            return true;
        }
        char first = lower.charAt(0);
        char firstUpper = Character.toUpperCase(first);
        for (int i = 0, max = hay.length() - n; i <= max; i++) {
            char c = hay.charAt(i);
            if ((c == first || c == firstUpper || c >= 128 && Character.toLowerCase(c) == first)
                    && hay.regionMatches(true, i, lower, 0, n)) {
                return true;
            }
        }
        return false;
    }

    /** The value with Sigma's escapes resolved: {@code \*}, {@code \?}, {@code \\} become the plain character. */
    static String unescape(String v) {
        if (v.indexOf('\\') < 0) {
            return v;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length() && "*?\\".indexOf(v.charAt(i + 1)) >= 0) {
                sb.append(v.charAt(++i));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** A pattern for a value with unescaped {@code *} or {@code ?}, placed as the modifier says; else null. */
    static Pattern glob(String v, String type, boolean cased) {
        StringBuilder re = new StringBuilder();
        boolean wild = false;
        StringBuilder lit = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length() && "*?\\".indexOf(v.charAt(i + 1)) >= 0) {
                lit.append(v.charAt(++i));
            } else if (c == '*' || c == '?') {
                wild = true;
                if (lit.length() > 0) {
                    re.append(Pattern.quote(lit.toString()));
                    lit.setLength(0);
                }
                re.append(c == '*' ? ".*" : ".");
            } else {
                lit.append(c);
            }
        }
        if (!wild) {
            return null;
        }
        if (lit.length() > 0) {
            re.append(Pattern.quote(lit.toString()));
        }
        String body = re.toString();
        String anchored = switch (type) {
            case "contains" -> body;
            case "startswith" -> "^" + body;
            case "endswith" -> body + "$";
            default -> "^" + body + "$";
        };
        return Pattern.compile(anchored, Pattern.DOTALL | (cased ? 0 : Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE));
    }

    /** Every value that replaces each dash-like character ({@code - / – — ―}) by each of them. */
    static List<String> windash(String v) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < v.length(); i++) {
            for (String d : DASHES) {
                if (v.charAt(i) == d.charAt(0)) {
                    at.add(i);
                    break;
                }
            }
        }
        if (at.size() > 4) {
            throw new IllegalArgumentException("windash on a value with more than 4 dashes (" + DASHES.length + "^"
                    + at.size() + " variants): '" + v + "'");
        }
        List<String> out = new ArrayList<>(List.of(v));
        for (int pos : at) {
            List<String> next = new ArrayList<>();
            for (String s : out) {
                for (String d : DASHES) {
                    next.add(s.substring(0, pos) + d + s.substring(pos + 1));
                }
            }
            out = next;
        }
        return out;
    }

    private static double number(String s) {
        if (s.isEmpty() || s.length() > 40) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
