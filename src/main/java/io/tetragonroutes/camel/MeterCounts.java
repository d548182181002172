package io.tetragonroutes.camel;

import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.TreeMap;

/** Summaries of the kit's counters for people: the demo's and the backfill's closing lines. */
public final class MeterCounts {

    private MeterCounts() {
    }

    /**
     * The counts of counter {@code name} by the value of its {@code tag}, those above zero only (every series is
     * registered at start, so most are zero), sorted by tag value.
     */
    public static Map<String, Long> byTag(MeterRegistry registry, String name, String tag) {
        Map<String, Long> out = new TreeMap<>();
        registry.find(name).counters().forEach(c -> {
            if (c.count() > 0) {
                out.merge(c.getId().getTag(tag), (long) c.count(), Long::sum);
            }
        });
        return out;
    }
}
