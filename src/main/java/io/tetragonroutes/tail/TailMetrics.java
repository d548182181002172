package io.tetragonroutes.tail;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What the tail reports, tagged with the export path. Prometheus names: {@code tetragon_tail_*}. */
final class TailMetrics {

    private final Counter lines;
    private final Counter bytes;
    private final Counter batches;
    private final Counter rotations;
    private final Counter truncations;
    private final Counter lostFiles;
    private final Counter retries;
    private final Counter backpressure;
    /**
     * Micrometer keeps the first gauge registered under a name and tags, so a consumer started later (a reloaded
     * route) must update that gauge's value, not a new one: one value per export path.
     */
    private static final Map<String, AtomicLong> LAG = new ConcurrentHashMap<>();
    private final AtomicLong lag;

    TailMetrics(MeterRegistry registry, String path) {
        Tags tags = Tags.of("path", path);
        lines = registry.counter("tetragon.tail.lines", tags);
        bytes = registry.counter("tetragon.tail.bytes", tags);
        batches = registry.counter("tetragon.tail.batches", tags);
        rotations = registry.counter("tetragon.tail.rotations", tags);
        truncations = registry.counter("tetragon.tail.truncations", tags);
        lostFiles = registry.counter("tetragon.tail.lost.files", tags);
        retries = registry.counter("tetragon.tail.retries", tags);
        backpressure = registry.counter("tetragon.tail.backpressure.seconds", tags);
        lag = LAG.computeIfAbsent(path, p -> new AtomicLong());
        if (registry.find("tetragon.export.lag.bytes").tags(tags).gauge() == null) {
            Gauge.builder("tetragon.export.lag.bytes", lag, AtomicLong::get).tags(tags).register(registry);
        }
    }

    void batch(LineBatch b) {
        batches.increment();
        lines.increment(b.size());
        bytes.increment(b.bytes());
    }

    /** Time the tail waited because {@code max-inflight} batches were not yet accepted (a slow or failing sink). */
    void waited(long nanos) {
        backpressure.increment(nanos / 1e9);
    }

    void rotated() {
        rotations.increment();
    }

    void truncated() {
        truncations.increment();
    }

    void lostFile() {
        lostFiles.increment();
    }

    void retried() {
        retries.increment();
    }

    void lag(long l) {
        lag.set(l);
    }
}
