package io.tetragonroutes.rules.parseable;

import io.tetragonroutes.rules.Condition;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses Parseable's composite alert rule text, for example
 * {@code (process_kprobe_process_arguments =% "shadow") and !(process_kprobe_process_binary = "/usr/bin/vi")}:
 * comparisons {@code column op value}, {@code and} binding tighter than {@code or}, parentheses, {@code !( )}.
 * Numeric operators {@code = != > >= < <=} take a number; string operators {@code = != =% !% ~} a quoted string
 * ({@code =%} contains, {@code !%} does not contain, {@code ~} regex).
 */
final class CompositeParser {

    /** Builds one comparison into a condition (field path check, operator, operand). */
    interface Comparisons {
        Condition build(String column, String op, Object value);
    }

    private final String text;
    private final Comparisons comparisons;
    private int pos;

    private CompositeParser(String text, Comparisons comparisons) {
        this.text = text;
        this.comparisons = comparisons;
    }

    static Condition parse(String text, Comparisons comparisons) {
        CompositeParser p = new CompositeParser(text, comparisons);
        Condition c = p.expression();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("unexpected '" + text.substring(p.pos) + "'");
        }
        return c;
    }

    private Condition expression() {
        List<Condition> or = new ArrayList<>();
        or.add(term());
        while (keyword("or")) {
            or.add(term());
        }
        return or.size() == 1 ? or.get(0) : new Condition.Any(List.copyOf(or));
    }

    private Condition term() {
        List<Condition> and = new ArrayList<>();
        and.add(atom());
        while (keyword("and")) {
            and.add(atom());
        }
        return and.size() == 1 ? and.get(0) : new Condition.All(List.copyOf(and));
    }

    private Condition atom() {
        skipSpace();
        if (text.startsWith("!(", pos)) {
            pos += 2;
            Condition c = expression();
            expect(')');
            return new Condition.Not(c);
        }
        if (pos < text.length() && text.charAt(pos) == '(') {
            pos++;
            Condition c = expression();
            expect(')');
            return c;
        }
        return comparison();
    }

    private Condition comparison() {
        skipSpace();
        int start = pos;
        while (pos < text.length() && isIdent(text.charAt(pos))) {
            pos++;
        }
        if (start == pos) {
            throw error("expected a column name");
        }
        String column = text.substring(start, pos);
        skipSpace();
        String op = null;
        for (String candidate : new String[] {"<=", ">=", "!=", "=%", "!%", "=", "<", ">", "~"}) {
            if (text.startsWith(candidate, pos)) {
                op = candidate;
                break;
            }
        }
        if (op == null) {
            throw error("expected an operator (= != =% !% ~ > >= < <=) after '" + column + "'");
        }
        pos += op.length();
        skipSpace();
        Object value;
        if (pos < text.length() && text.charAt(pos) == '"') {
            int close = text.indexOf('"', pos + 1);
            if (close < 0) {
                throw error("unterminated string");
            }
            value = text.substring(pos + 1, close);
            pos = close + 1;
        } else {
            int s = pos;
            while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.'
                    || (pos == s && text.charAt(pos) == '-'))) {
                pos++;
            }
            if (s == pos) {
                throw error("expected a number or a \"string\" after '" + column + " " + op + "'");
            }
            String n = text.substring(s, pos);
            value = n.contains(".") ? (Object) Double.parseDouble(n) : (Object) Long.parseLong(n);
        }
        try {
            return comparisons.build(column, op, value);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    private boolean keyword(String k) {
        int save = pos;
        skipSpace();
        if (pos > save && text.startsWith(k, pos) && pos + k.length() < text.length()
                && Character.isWhitespace(text.charAt(pos + k.length()))) {
            pos += k.length();
            return true;
        }
        pos = save;
        return false;
    }

    private void expect(char c) {
        skipSpace();
        if (pos >= text.length() || text.charAt(pos) != c) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private static boolean isIdent(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '@' || c == '/' || c == '-';
    }

    private IllegalArgumentException error(String why) {
        return new IllegalArgumentException("composite rule at character " + (pos + 1) + ": " + why + " in \"" + text + "\"");
    }
}
