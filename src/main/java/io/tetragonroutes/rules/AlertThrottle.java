package io.tetragonroutes.rules;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * De-duplicates alerts: the same rule on the same pod and binary alerts once per window. The first match alerts at
 * once (count 1); matches inside the window are counted, not sent; the first match after the window alerts with
 * the count of everything since the previous alert, so a crash-looping pod yields one alert per window with a
 * number instead of a flood. Bounded: the least recently seen keys are forgotten first.
 */
public final class AlertThrottle {

    private static final class State {
        long windowStart;
        long suppressed;
    }

    private final int maxKeys;
    private final LongSupplier nanoClock;
    private final Map<String, State> states;

    public AlertThrottle(int maxKeys, LongSupplier nanoClock) {
        this.maxKeys = maxKeys;
        this.nanoClock = nanoClock;
        this.states = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, State> eldest) {
                return size() > AlertThrottle.this.maxKeys;
            }
        };
    }

    /**
     * @return 0 when this match is suppressed, else the number of matches the alert stands for (1 + suppressed)
     */
    public synchronized long admit(String key, Duration window) {
        if (window.isZero()) {
            return 1;
        }
        long now = nanoClock.getAsLong();
        State s = states.get(key);
        if (s == null) {
            s = new State();
            s.windowStart = now;
            states.put(key, s);
            return 1;
        }
        if (now - s.windowStart < window.toNanos()) {
            s.suppressed++;
            return 0;
        }
        long count = 1 + s.suppressed;
        s.windowStart = now;
        s.suppressed = 0;
        return count;
    }

    public synchronized int size() {
        return states.size();
    }
}
