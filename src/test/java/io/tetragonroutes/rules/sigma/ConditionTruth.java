package io.tetragonroutes.rules.sigma;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a Sigma condition says for given truths of its search identifiers: the test's own reading of the
 * specification (or < and < not; {@code 1 of}/{@code all of} a pattern or {@code them}), written apart from the
 * kit's parser so the two check each other.
 */
final class ConditionTruth {

    private final List<String> tokens = new ArrayList<>();
    private final Map<String, Boolean> truth;
    private int at;

    private ConditionTruth(String condition, Map<String, Boolean> truth) {
        this.truth = truth;
        for (String t : condition.replace("(", " ( ").replace(")", " ) ").trim().split("\\s+")) {
            tokens.add(t);
        }
    }

    static boolean holds(List<String> conditions, Map<String, Boolean> truth) {
        for (String c : conditions) {
            ConditionTruth p = new ConditionTruth(c, truth);
            boolean v = p.or();
            if (p.at != p.tokens.size()) {
                throw new IllegalArgumentException("left over in '" + c + "'");
            }
            if (v) {
                return true;
            }
        }
        return false;
    }

    private boolean or() {
        boolean v = and();
        while (at < tokens.size() && tokens.get(at).equals("or")) {
            at++;
            v |= and();
        }
        return v;
    }

    private boolean and() {
        boolean v = not();
        while (at < tokens.size() && tokens.get(at).equals("and")) {
            at++;
            v &= not();
        }
        return v;
    }

    private boolean not() {
        if (tokens.get(at).equals("not")) {
            at++;
            return !not();
        }
        String t = tokens.get(at++);
        if (t.equals("(")) {
            boolean v = or();
            at++;
            return v;
        }
        if (at < tokens.size() && tokens.get(at).equals("of")) {
            String pattern = tokens.get(at + 1);
            at += 2;
            Pattern p = Pattern.compile(pattern.replace("*", ".*"));
            boolean any = false;
            boolean all = true;
            for (Map.Entry<String, Boolean> e : truth.entrySet()) {
                boolean in = pattern.equals("them") ? !e.getKey().startsWith("_") : p.matcher(e.getKey()).matches();
                if (in) {
                    any |= e.getValue();
                    all &= e.getValue();
                }
            }
            return t.equals("1") ? any : all;
        }
        return truth.get(t);
    }
}
