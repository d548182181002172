package io.tetragonroutes.enrich;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** An allow-list of label or annotation keys with {@code *} globs, compiled once, minus an exclude list. */
final class KeyFilter {

    private final Predicate<String> allow;

    KeyFilter(List<String> allowed, List<String> excluded) {
        Predicate<String> a = any(allowed);
        Predicate<String> x = any(excluded);
        this.allow = k -> a.test(k) && !x.test(k);
    }

    boolean isEmpty(Map<String, String> m) {
        if (m == null) {
            return true;
        }
        for (String k : m.keySet()) {
            if (allow.test(k)) {
                return false;
            }
        }
        return true;
    }

    boolean test(String key) {
        return allow.test(key);
    }

    private static Predicate<String> any(List<String> globs) {
        Predicate<String> p = k -> false;
        for (String g : globs) {
            String glob = g.trim();
            if (glob.isEmpty()) {
                continue;
            }
            if (glob.equals("*")) {
                return k -> true;
            }
            Pattern re = Pattern.compile(Pattern.quote(glob).replace("*", "\\E.*\\Q"));
            p = p.or(k -> re.matcher(k).matches());
        }
        return p;
    }
}
