package io.tetragonroutes.bench;

import io.tetragonroutes.demo.LumberjackWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady state: the app tails an export written at a fixed rate with Tetragon's default rotation (10 MB files, 5
 * backups) for a given time, file sink and enrichment on. RSS is sampled every 10 s; the report compares the first
 * full minute with the last one, so growth shows as a difference. At the end the writer stops and every written
 * event must have been shipped.
 */
final class SoakBench {

    private SoakBench() {
    }

    static void run(Path samples, Path dir, Path jar, String jvm, BenchApi api, long seconds, int rate)
            throws Exception {
        Path run = dir.resolve("soak");
        EndToEndBench.deleteTree(run);
        Path export = run.resolve("export/tetragon.log");
        Files.createDirectories(export.getParent());
        SampleExportGenerator gen = new SampleExportGenerator(samples, 7);
        AtomicLong written = new AtomicLong();
        List<String> props = api == null ? List.of() : api.appProperties();
        try (LumberjackWriter w = new LumberjackWriter(export, 10 * 1024 * 1024, 5, false);
             AppProcess app = AppProcess.start(jar, jvm, props, export, run.resolve("data"), run.resolve("app.log"))) {
            // The writer created the (empty) live file; Tetragon's backups from before the kit's first start are not
            // read (start-at=beginning means the live file), so writing starts once the tail has it open.
            long upBy = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!app.ready()) {
                app.checkAlive();
                if (System.nanoTime() > upBy) {
                    throw new IllegalStateException("the app was not ready in 2 minutes");
                }
                TimeUnit.MILLISECONDS.sleep(100); // polling a separate process, not a test
            }
            List<long[]> samplesKb = new ArrayList<>(); // {elapsed s, rss kB}
            long start = System.nanoTime();
            long nextSample = 0;
            while (true) {
                long elapsedNs = System.nanoTime() - start;
                if (elapsedNs >= TimeUnit.SECONDS.toNanos(seconds)) {
                    break;
                }
                long due = elapsedNs * rate / 1_000_000_000L;
                while (written.get() < due) {
                    w.writeLine(gen.next());
                    written.incrementAndGet();
                }
                if (elapsedNs >= nextSample) {
                    app.checkAlive();
                    samplesKb.add(new long[] {elapsedNs / 1_000_000_000L, app.statusKb("VmRSS:")});
                    nextSample += TimeUnit.SECONDS.toNanos(10);
                }
                TimeUnit.MILLISECONDS.sleep(5); // pacing the writer, not a test
            }
            long total = written.get();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            double shipped;
            while ((shipped = app.metric("tetragon_sink_events_total{output=\"all\",sink=\"file\"")) < total) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("shipped " + shipped + " of " + total + " after the writer stopped");
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
            double cpu = app.cpuSeconds();
            long peak = app.statusKb("VmHWM:");
            double firstMin = avgMb(samplesKb, 60, 120);
            double lastMin = avgMb(samplesKb, seconds - 60, seconds);
            StringBuilder series = new StringBuilder();
            for (long[] s : samplesKb) {
                series.append(s[0] % 60 == 0 ? String.format(Locale.ROOT, " %ds:%.0f", s[0], s[1] / 1024.0) : "");
            }
            String table = String.join("\n",
                    "| measure | value |",
                    "|---|---|",
                    String.format(Locale.ROOT, "| run | %d s at %,d events/s, 10 MB files x 5 backups, %,d events |",
                            seconds, rate, total),
                    String.format(Locale.ROOT, "| shipped | %,.0f (all) |", shipped),
                    String.format(Locale.ROOT, "| RSS, mean of minute 2 | %.0f MB |", firstMin),
                    String.format(Locale.ROOT, "| RSS, mean of the last minute | %.0f MB |", lastMin),
                    String.format(Locale.ROOT, "| peak RSS (VmHWM) | %.0f MB |", peak / 1024.0),
                    String.format(Locale.ROOT, "| CPU | %.1f s (%.1f%% of one core) |", cpu, 100 * cpu / seconds),
                    String.format(Locale.ROOT, "| RSS each minute | %s |", series.toString().trim()),
                    String.format(Locale.ROOT, "| app JVM options | %s |", jvm.isBlank() ? "(defaults)" : jvm));
            EndToEndBench.report(dir.resolve("soak.md"), "Soak", table);
        }
    }

    private static double avgMb(List<long[]> samples, long from, long to) {
        return samples.stream().filter(s -> s[0] >= from && s[0] < to).mapToLong(s -> s[1]).average().orElse(0)
                / 1024.0;
    }
}
