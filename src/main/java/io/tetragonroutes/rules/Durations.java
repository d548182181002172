package io.tetragonroutes.rules;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in rules and alert files: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h 30m}. */
public final class Durations {

    private static final Pattern PART = Pattern.compile("\\s*(\\d+)\\s*(ms|s|sec|secs|m|min|mins|h|hr|hrs|d)?\\s*");

    private Durations() {
    }

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration");
        }
        Matcher m = PART.matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("bad duration '" + text + "': use forms like 500ms, 10s, 5m, 1h 30m");
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            total = total.plus(switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s", "sec", "secs" -> Duration.ofSeconds(n);
                case "m", "min", "mins" -> Duration.ofMinutes(n);
                case "h", "hr", "hrs" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            at = m.end();
        }
        return total;
    }
}
