package io.tetragonroutes.rules.sigma;

/**
 * A shortest-ish text a regex of Sigma's flavour matches (literals, escapes, {@code .}, classes, groups,
 * alternation, quantifiers): each group's first branch, each quantifier's least count, a class's first member.
 * For building events that fire {@code |re} rules; not a general regex solver.
 */
final class RegexExample {

    private final String re;
    private int at;

    private RegexExample(String re) {
        this.re = re;
    }

    static String of(String regex) {
        RegexExample r = new RegexExample(regex);
        String out = r.alternation();
        if (r.at != regex.length()) {
            throw new IllegalArgumentException("cannot read regex '" + regex + "' at " + r.at);
        }
        return out;
    }

    /** The first branch of an alternation (the rest are read and dropped). */
    private String alternation() {
        String first = sequence();
        while (at < re.length() && re.charAt(at) == '|') {
            at++;
            sequence();
        }
        return first;
    }

    private String sequence() {
        StringBuilder sb = new StringBuilder();
        while (at < re.length() && re.charAt(at) != '|' && re.charAt(at) != ')') {
            String atom = atom();
            int min = quantifier();
            sb.append(atom.repeat(min));
        }
        return sb.toString();
    }

    private String atom() {
        char c = re.charAt(at++);
        switch (c) {
            case '(' -> {
                if (re.startsWith("?:", at)) {
                    at += 2;
                }
                String inner = alternation();
                at++; // ')'
                return inner;
            }
            case '[' -> {
                return clazz();
            }
            case '.' -> {
                return "a";
            }
            case '^', '$' -> {
                return "";
            }
            case '\\' -> {
                return escape(re.charAt(at++));
            }
            default -> {
                return String.valueOf(c);
            }
        }
    }

    private static String escape(char e) {
        return switch (e) {
            case 's' -> " ";
            case 'd' -> "0";
            case 'w' -> "a";
            case 'S', 'W', 'D' -> "-";
            default -> String.valueOf(e);
        };
    }

    /** A character class: its first member, or for a negated class a character it does not hold. */
    private String clazz() {
        boolean negated = re.charAt(at) == '^';
        if (negated) {
            at++;
        }
        StringBuilder members = new StringBuilder();
        boolean first = true;
        while (first || re.charAt(at) != ']') {
            first = false;
            char c = re.charAt(at++);
            if (c == '\\') {
                char e = re.charAt(at++);
                members.append(e == 's' ? " \t" : e == 'd' ? "0123456789" : escape(e));
            } else if (at + 1 < re.length() && re.charAt(at) == '-' && re.charAt(at + 1) != ']') {
                char to = re.charAt(at + 1);
                at += 2;
                for (char x = c; x <= to; x++) {
                    members.append(x);
                }
            } else {
                members.append(c);
            }
        }
        at++; // ']'
        if (!negated) {
            return String.valueOf(members.charAt(0));
        }
        for (char x : "xq7Z_".toCharArray()) {
            if (members.indexOf(String.valueOf(x)) < 0) {
                return String.valueOf(x);
            }
        }
        throw new IllegalArgumentException("no character outside [^" + members + "]");
    }

    /** The least count the quantifier after an atom allows (1 when there is none). */
    private int quantifier() {
        if (at >= re.length()) {
            return 1;
        }
        char c = re.charAt(at);
        int min;
        if (c == '*' || c == '?') {
            at++;
            min = 0;
        } else if (c == '+') {
            at++;
            min = 1;
        } else if (c == '{') {
            int close = re.indexOf('}', at);
            String[] range = re.substring(at + 1, close).split(",", -1);
            at = close + 1;
            min = Integer.parseInt(range[0].trim());
        } else {
            return 1;
        }
        if (at < re.length() && (re.charAt(at) == '?' || re.charAt(at) == '+')) {
            at++; // lazy or possessive
        }
        return min;
    }
}
