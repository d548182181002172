package io.tetragonroutes.rules.sigma;

import io.tetragonroutes.rules.Condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A Sigma {@code condition} expression compiled over the rule's search identifiers: {@code and}, {@code or},
 * {@code not}, parentheses, {@code 1 of x*}, {@code all of x*}, {@code 1 of them}, {@code all of them}. Precedence,
 * least binding first: or, and, not (the specification's). {@code them} leaves out identifiers starting with
 * {@code _}. An aggregation ({@code | count() ...}) is not an expression this parses: the loader skips such rules.
 */
final class SigmaCondition {

    private final String text;
    private final List<String> tokens = new ArrayList<>();
    private final Map<String, Condition> identifiers;
    private int at;

    private SigmaCondition(String text, Map<String, Condition> identifiers) {
        this.text = text;
        this.identifiers = identifiers;
        tokenize();
    }

    /** @throws IllegalArgumentException a syntax error or an unknown identifier, with the position */
    static Condition compile(String text, Map<String, Condition> identifiers) {
        SigmaCondition p = new SigmaCondition(text, identifiers);
        if (p.tokens.isEmpty()) {
            throw new IllegalArgumentException("empty condition");
        }
        Condition c = p.or();
        if (p.at < p.tokens.size()) {
            throw new IllegalArgumentException("condition '" + text + "': unexpected '" + p.tokens.get(p.at) + "'");
        }
        return c;
    }

    private void tokenize() {
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '(' || c == ')') {
                tokens.add(String.valueOf(c));
                i++;
            } else {
                int end = i;
                while (end < text.length() && !Character.isWhitespace(text.charAt(end)) && text.charAt(end) != '('
                        && text.charAt(end) != ')') {
                    end++;
                }
                tokens.add(text.substring(i, end));
                i = end;
            }
        }
    }

    private String peek() {
        return at < tokens.size() ? tokens.get(at) : null;
    }

    private boolean take(String word) {
        if (word.equalsIgnoreCase(String.valueOf(peek()))) {
            at++;
            return true;
        }
        return false;
    }

    private Condition or() {
        List<Condition> any = new ArrayList<>(List.of(and()));
        while (take("or")) {
            any.add(and());
        }
        return any.size() == 1 ? any.get(0) : new Condition.Any(any);
    }

    private Condition and() {
        List<Condition> all = new ArrayList<>(List.of(not()));
        while (take("and")) {
            all.add(not());
        }
        return all.size() == 1 ? all.get(0) : new Condition.All(all);
    }

    private Condition not() {
        if (take("not")) {
            return new Condition.Not(not());
        }
        return primary();
    }

    private Condition primary() {
        String t = peek();
        if (t == null) {
            throw new IllegalArgumentException("condition '" + text + "' ends where an identifier or '(' is expected");
        }
        if (take("(")) {
            Condition c = or();
            if (!take(")")) {
                throw new IllegalArgumentException("condition '" + text + "': '(' without ')'");
            }
            return c;
        }
        if ((t.equals("1") || t.equalsIgnoreCase("all")) && at + 1 < tokens.size()
                && tokens.get(at + 1).equalsIgnoreCase("of")) {
            at += 2;
            String pattern = peek();
            if (pattern == null || pattern.equals("(") || pattern.equals(")")) {
                throw new IllegalArgumentException("condition '" + text + "': '" + t + " of' without a pattern");
            }
            at++;
            List<Condition> matched = new ArrayList<>();
            Pattern p = pattern.equalsIgnoreCase("them") ? null
                    : Pattern.compile(Pattern.quote(pattern).replace("*", "\\E.*\\Q"));
            for (Map.Entry<String, Condition> e : identifiers.entrySet()) {
                if (p == null ? !e.getKey().startsWith("_") : p.matcher(e.getKey()).matches()) {
                    matched.add(e.getValue());
                }
            }
            if (matched.isEmpty()) {
                throw new IllegalArgumentException("condition '" + text + "': no search identifier matches '" + pattern
                        + "'; defined: " + identifiers.keySet());
            }
            if (matched.size() == 1) {
                return matched.get(0);
            }
            return t.equals("1") ? new Condition.Any(matched) : new Condition.All(matched);
        }
        if (t.equals(")") || t.equalsIgnoreCase("and") || t.equalsIgnoreCase("or")) {
            throw new IllegalArgumentException("condition '" + text + "': unexpected '" + t + "'");
        }
        at++;
        Condition c = identifiers.get(t);
        if (c == null) {
            throw new IllegalArgumentException("condition '" + text + "': no search identifier '" + t + "'; defined: "
                    + identifiers.keySet());
        }
        return c;
    }
}
