package io.tetragonroutes.demo;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tetragonroutes.camel.MeterCounts;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * With {@code tetragon.demo.enabled=true}: writes a generated export into {@code tetragon.export.path} the way
 * Tetragon does (rotation, a gzipped backup, a malformed and a truncated line among the events), waits until the
 * pipeline has shipped or dead-lettered every line, prints a summary and (by default) exits.
 */
@ApplicationScoped
public class DemoRunner {

    private static final Logger LOG = LoggerFactory.getLogger(DemoRunner.class);

    @ConfigProperty(name = "tetragon.demo.enabled")
    boolean enabled;
    @ConfigProperty(name = "tetragon.demo.events")
    int events;
    @ConfigProperty(name = "tetragon.demo.rotate-bytes")
    long rotateBytes;
    @ConfigProperty(name = "tetragon.demo.exit")
    boolean exit;
    @ConfigProperty(name = "tetragon.export.path")
    String exportPath;
    @ConfigProperty(name = "tetragon.data.dir")
    String dataDir;
    @Inject
    MeterRegistry registry;

    void onStart(@Observes StartupEvent ev) {
        if (enabled) {
            Thread t = new Thread(this::run, "tetragon-demo");
            t.setDaemon(true);
            t.start();
        }
    }

    private void run() {
        try {
            double before = accounted();
            long start = System.nanoTime();
            Path export = Path.of(exportPath);
            DemoExport gen = new DemoExport(42, "demo-node-1");
            int lines = 0;
            int rotations;
            // small files so the demo rotates; the first backup is gzipped like --export-file-compress does
            try (LumberjackWriter w = new LumberjackWriter(export, rotateBytes, 5, false)) {
                for (int i = 0; i < events; i++) {
                    if (i == events / 2) {
                        w.writeLine(gen.throttle(true));
                        w.writeLine("{\"process_exec\":{\"process\":{\"pid\":1,".getBytes(StandardCharsets.UTF_8));
                        w.writeLine("this is not json".getBytes(StandardCharsets.UTF_8));
                        w.writeLine(gen.rateLimitInfo(17));
                        w.writeLine(gen.throttle(false));
                        lines += 5;
                        Path backup = w.rotate();
                        LumberjackWriter.gzip(backup);
                    }
                    w.writeLine(i % 1000 == 0 ? gen.sensitive() : gen.next());
                    lines++;
                }
                rotations = w.rotatedFiles().size();
            }
            double target = before + lines;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (accounted() < target) {
                if (System.nanoTime() > deadline) {
                    LOG.error("Demo: the pipeline did not ship all {} lines within 120 s; see the log above", lines);
                    break;
                }
                Thread.sleep(50); // polling a counter in the demo, not a test
            }
            double secs = (System.nanoTime() - start) / 1e9;
            printSummary(lines, rotations, secs);
        } catch (Exception e) {
            LOG.error("Demo failed", e);
        } finally {
            if (exit) {
                Quarkus.asyncExit();
            }
        }
    }

    private void printSummary(int lines, int rotations, double secs) {
        Map<String, Long> byType = MeterCounts.byTag(registry, "tetragon.events.parsed", "type");
        Map<String, Long> dead = MeterCounts.byTag(registry, "tetragon.dead.letters", "reason");
        long shipped = (long) total("tetragon.sink.events", "output", "all");
        long alerts = (long) total("tetragon.alerts", null, null);
        Map<String, Long> byRule = MeterCounts.byTag(registry, "tetragon.rules.matched", "rule");
        long network = (long) total("tetragon.sink.events", "output", "network");
        StringBuilder sb = new StringBuilder("\n");
        sb.append("==== tetragon-routes demo ====\n");
        sb.append(String.format("replayed   %,d lines into %s (%d rotations, one backup gzipped)%n", lines,
                Path.of(exportPath).toAbsolutePath().getParent(), rotations));
        sb.append("events     ").append(byType).append('\n');
        sb.append("rules      ").append(byRule).append('\n');
        sb.append(String.format("alerts     %,d (de-duplicated per rule, pod, binary)  -> %s%n", alerts,
                Path.of(dataDir, "out", "alerts.ndjson")));
        sb.append(String.format("network    %,d events  -> %s%n", network, Path.of(dataDir, "out", "network.ndjson")));
        sb.append(String.format("dead       %s  -> %s%n", dead, Path.of(dataDir, "dead-letter", "dead-letter.ndjson")));
        sb.append(String.format("shipped    %,d events -> %s%n", shipped, Path.of(dataDir, "out", "events.ndjson")));
        sb.append(String.format("rate       %,.0f events/s end to end (writing the export included), %.2f s%n",
                shipped / secs, secs));
        System.out.println(sb);
    }

    /** Lines the pipeline is done with: events shipped to the {@code all} output plus dead letters. */
    private double accounted() {
        return total("tetragon.sink.events", "output", "all") + total("tetragon.dead.letters", null, null);
    }

    private double total(String name, String tag, String value) {
        double sum = 0;
        for (Counter c : registry.find(name).counters()) {
            if (tag == null || value.equals(c.getId().getTag(tag))) {
                sum += c.count();
            }
        }
        return sum;
    }
}
