package io.tetragonroutes.rules;

import java.util.Locale;

/** Rule severities, lowest first; an event matched by several rules carries the highest. */
public enum Severity {
    INFO, LOW, MEDIUM, HIGH, CRITICAL;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Severity of(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown severity '" + s + "'; known: info, low, medium, high, critical");
        }
    }
}
