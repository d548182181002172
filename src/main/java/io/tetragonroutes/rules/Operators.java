package io.tetragonroutes.rules;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The condition operators, each turned into a {@link ValueTest} once at load: operands parsed, regexes and globs
 * compiled, CIDRs decoded, case folded. Tetragon writes 64-bit integers as strings, so numeric operators read
 * numbers from either form.
 */
public final class Operators {

    /** Every operator a rule may use, in the order the README lists them. */
    public static final List<String> NAMES = List.of("equals", "not_equals", "in", "prefix", "suffix", "contains",
            "not_contains", "glob", "regex", "cidr", "gt", "gte", "lt", "lte", "exists");

    private Operators() {
    }

    /**
     * @param operand a String, Long, Double, Boolean, or a List of those (from YAML or JSON)
     * @throws IllegalArgumentException naming the problem (bad regex, bad CIDR, wrong operand type)
     */
    public static ValueTest build(String op, Object operand, boolean ignoreCase) {
        return switch (op) {
            case "equals" -> anyOf(operand, v -> equalsTest(v, ignoreCase));
            case "not_equals" -> {
                ValueTest eq = anyOf(operand, v -> equalsTest(v, ignoreCase));
                yield v -> !eq.test(v);
            }
            case "in" -> in(list(op, operand), ignoreCase);
            case "prefix" -> strings(op, operand, ignoreCase, String::startsWith);
            case "suffix" -> strings(op, operand, ignoreCase, String::endsWith);
            case "contains" -> strings(op, operand, ignoreCase, String::contains);
            case "not_contains" -> {
                ValueTest c = strings(op, operand, ignoreCase, String::contains);
                yield v -> ValueTest.text(v) != null && !c.test(v);
            }
            case "glob" -> anyOf(operand, g -> regexTest(globToRegex(string(op, g)), ignoreCase));
            case "regex" -> anyOf(operand, r -> regexTest(string(op, r), ignoreCase));
            case "cidr" -> cidr(list(op, operand));
            case "gt" -> numeric(op, operand, c -> c > 0);
            case "gte" -> numeric(op, operand, c -> c >= 0);
            case "lt" -> numeric(op, operand, c -> c < 0);
            case "lte" -> numeric(op, operand, c -> c <= 0);
            case "exists" -> {
                if (!(operand instanceof Boolean)) {
                    throw new IllegalArgumentException("exists takes true or false, not '" + operand + "'");
                }
                yield v -> true; // the condition negates it for exists: false
            }
            default -> throw new IllegalArgumentException("unknown operator '" + op + "'; known: "
                    + String.join(", ", NAMES));
        };
    }

    private static ValueTest anyOf(Object operand, java.util.function.Function<Object, ValueTest> one) {
        if (!(operand instanceof List<?> l)) {
            return one.apply(operand);
        }
        ValueTest[] tests = l.stream().map(one).toArray(ValueTest[]::new);
        return v -> {
            for (ValueTest t : tests) {
                if (t.test(v)) {
                    return true;
                }
            }
            return false;
        };
    }

    private static ValueTest equalsTest(Object operand, boolean ignoreCase) {
        if (operand instanceof Boolean b) {
            return v -> v.isBoolean() ? v.booleanValue() == b : b.toString().equals(ValueTest.text(v));
        }
        if (operand instanceof Number n) {
            double want = n.doubleValue();
            return v -> {
                double got = number(v);
                return got == want;
            };
        }
        String s = String.valueOf(operand);
        return ignoreCase ? v -> s.equalsIgnoreCase(ValueTest.text(v)) : v -> s.equals(ValueTest.text(v));
    }

    private static ValueTest in(List<Object> values, boolean ignoreCase) {
        Set<String> set = new HashSet<>();
        for (Object o : values) {
            set.add(ignoreCase ? String.valueOf(o).toLowerCase(Locale.ROOT) : String.valueOf(o));
        }
        return v -> {
            String t = ValueTest.text(v);
            return t != null && set.contains(ignoreCase ? t.toLowerCase(Locale.ROOT) : t);
        };
    }

    private interface StringOp {
        boolean test(String value, String operand);
    }

    private static ValueTest strings(String op, Object operand, boolean ignoreCase, StringOp f) {
        List<String> wanted = new ArrayList<>();
        for (Object o : list(op, operand)) {
            wanted.add(ignoreCase ? string(op, o).toLowerCase(Locale.ROOT) : string(op, o));
        }
        String[] w = wanted.toArray(String[]::new);
        return v -> {
            String t = ValueTest.text(v);
            if (t == null) {
                return false;
            }
            if (ignoreCase) {
                t = t.toLowerCase(Locale.ROOT);
            }
            for (String s : w) {
                if (f.test(t, s)) {
                    return true;
                }
            }
            return false;
        };
    }

    private static ValueTest regexTest(String regex, boolean ignoreCase) {
        Pattern p;
        try {
            p = Pattern.compile(regex, ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("bad regex '" + regex + "': " + e.getDescription()
                    + " near index " + e.getIndex());
        }
        return v -> {
            String t = ValueTest.text(v);
            return t != null && p.matcher(t).find();
        };
    }

    /** {@code *} = any run without '/', {@code **} = any run, {@code ?} = one character but '/'. Anchored. */
    static String globToRegex(String glob) {
        StringBuilder re = new StringBuilder("^");
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    re.append(".*");
                    i++;
                } else {
                    re.append("[^/]*");
                }
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.append('$').toString();
    }

    private interface Cmp {
        boolean ok(int compare);
    }

    private static ValueTest numeric(String op, Object operand, Cmp cmp) {
        if (!(operand instanceof Number n)) {
            throw new IllegalArgumentException(op + " takes a number, not '" + operand + "'");
        }
        double want = n.doubleValue();
        return v -> {
            double got = number(v);
            return !Double.isNaN(got) && cmp.ok(Double.compare(got, want));
        };
    }

    /** A number from a JSON number or a numeric string (Tetragon's 64-bit ints); NaN when it is neither. */
    static double number(JsonNode v) {
        if (v.isNumber()) {
            return v.doubleValue();
        }
        if (v.isTextual()) {
            String s = v.textValue();
            if (s.isEmpty() || s.length() > 40) {
                return Double.NaN;
            }
            char c = s.charAt(0);
            if (!(c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'))) {
                return Double.NaN; // cheap reject before the parser throws
            }
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    private static ValueTest cidr(List<Object> operand) {
        List<Cidr> nets = new ArrayList<>();
        for (Object o : operand) {
            for (String s : String.valueOf(o).split(",")) {
                if (!s.isBlank()) {
                    nets.add(Cidr.parse(s.trim()));
                }
            }
        }
        Cidr[] all = nets.toArray(Cidr[]::new);
        return v -> {
            String t = ValueTest.text(v);
            if (t == null) {
                return false;
            }
            byte[] ip = Cidr.address(t);
            if (ip == null) {
                return false;
            }
            for (Cidr c : all) {
                if (c.contains(ip)) {
                    return true;
                }
            }
            return false;
        };
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(String op, Object operand) {
        if (operand instanceof List<?> l) {
            if (l.isEmpty()) {
                throw new IllegalArgumentException(op + " needs at least one value");
            }
            return (List<Object>) l;
        }
        if (operand == null) {
            throw new IllegalArgumentException(op + " needs a value");
        }
        return List.of(operand);
    }

    private static String string(String op, Object o) {
        if (o instanceof List || o == null) {
            throw new IllegalArgumentException(op + " takes text, not '" + o + "'");
        }
        return String.valueOf(o);
    }
}
