package io.tetragonroutes.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * End to end: the packaged app (a separate JVM, as users run it) tails a generated multi-million-line export into
 * the file sink. Reports events/s, MB/s, CPU seconds per million events, peak RSS and start-up to first event, next to
 * the ceiling measured in the same run on the same file: one thread doing Jackson readTree + writeValueAsBytes.
 * <p>
 * Properties: bench.lines (2000000), bench.samples (../shared/tetragon-samples), bench.dir (target/bench),
 * bench.jar (target/quarkus-app/quarkus-run.jar), bench.jvm (JVM options for the app, default -Xmx512m).
 */
public final class EndToEndBench {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        long lines = Long.getLong("bench.lines", 2_000_000);
        Path samples = Path.of(System.getProperty("bench.samples", "../shared/tetragon-samples"));
        Path dir = Path.of(System.getProperty("bench.dir", "target/bench")).toAbsolutePath();
        Path jar = Path.of(System.getProperty("bench.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        String jvm = System.getProperty("bench.jvm", "-Xmx512m");

        Path source = dir.resolve("source-" + lines + ".log");
        if (!Files.exists(source)) {
            long t = System.nanoTime();
            Files.createDirectories(dir);
            Path tmp = dir.resolve("source.tmp");
            Files.deleteIfExists(tmp);
            new SampleExportGenerator(samples, 42).write(tmp, lines, 0);
            Files.move(tmp, source, StandardCopyOption.REPLACE_EXISTING);
            System.out.printf(Locale.ROOT, "generated %,d lines (%.0f MB) in %.1f s%n", lines,
                    Files.size(source) / 1e6, (System.nanoTime() - t) / 1e9);
        }
        long bytes = Files.size(source);

        double[] ceiling = ceiling(source);
        Result app = runApp(jar, jvm, source, dir.resolve("run"), lines);

        double appRate = lines / app.wallSeconds;
        double appPerCpu = lines / app.cpuSeconds;
        double ceilPerCpu = ceiling[1];
        String table = String.join("\n",
                "| measure | value |",
                "|---|---|",
                String.format(Locale.ROOT, "| export | %,d lines, %.0f MB (40%% exec, 30%% exit, 30%% kprobe, from the real samples) |",
                        lines, bytes / 1e6),
                String.format(Locale.ROOT, "| Jackson ceiling (1 thread, readTree + writeValueAsBytes) | %,.0f events/s per CPU-second |",
                        ceilPerCpu),
                String.format(Locale.ROOT, "| app: start to first event shipped | %.2f s |", app.firstEventSeconds),
                String.format(Locale.ROOT, "| app: events/s (wall, first to last event) | %,.0f |", appRate),
                String.format(Locale.ROOT, "| app: MB/s | %.1f |", bytes / 1e6 / app.wallSeconds),
                String.format(Locale.ROOT, "| app: CPU seconds per million events (whole process, start-up included) | %.2f |",
                        app.cpuSeconds / (lines / 1e6)),
                String.format(Locale.ROOT, "| app: events per CPU-second | %,.0f |", appPerCpu),
                String.format(Locale.ROOT, "| app / ceiling (per CPU-second) | %.2f |", appPerCpu / ceilPerCpu),
                String.format(Locale.ROOT, "| app: peak RSS (%s) | %.0f MB |", jvm, app.peakRssKb / 1024.0),
                String.format(Locale.ROOT, "| machine | %d cores, %s %s |", Runtime.getRuntime().availableProcessors(),
                        System.getProperty("java.vm.name"), System.getProperty("java.version")));
        System.out.println(table);
        Path results = dir.resolve("results.md");
        Files.writeString(results, "# End-to-end benchmark " + Instant.now() + "\n\n" + table + "\n");
        System.out.println("written to " + results);
    }

    /** Events per second and per CPU-second of a readTree + writeValueAsBytes loop, after one warm-up pass. */
    static double[] ceiling(Path source) throws IOException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] n = {0};
        LineWork work = (buf, off, len) -> {
            JsonNode tree = MAPPER.readTree(buf, off, len);
            n[0] += MAPPER.writeValueAsBytes(tree).length > 0 ? 1 : 0;
        };
        forEachLine(source, 300_000, work); // warm-up
        n[0] = 0;
        long cpu = threads.getCurrentThreadCpuTime();
        long t = System.nanoTime();
        forEachLine(source, Long.MAX_VALUE, work);
        double wall = (System.nanoTime() - t) / 1e9;
        double cpuS = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
        return new double[] {n[0] / wall, n[0] / cpuS};
    }

    interface LineWork {
        void line(byte[] buf, int off, int len) throws IOException;
    }

    /** Reads 4 MiB at a time and hands out each line as a slice of the buffer. */
    private static void forEachLine(Path p, long max, LineWork work) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[4 << 20];
            int filled = 0;
            long count = 0;
            while (count < max) {
                int r = in.read(buf, filled, buf.length - filled);
                if (r < 0) {
                    return;
                }
                filled += r;
                int start = 0;
                for (int i = 0; i < filled && count < max; i++) {
                    if (buf[i] == '\n') {
                        work.line(buf, start, i - start);
                        count++;
                        start = i + 1;
                    }
                }
                System.arraycopy(buf, start, buf, 0, filled - start);
                filled -= start;
                if (filled == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer
                }
            }
        }
    }

    record Result(double firstEventSeconds, double wallSeconds, double cpuSeconds, long peakRssKb) {
    }

    static Result runApp(Path jar, String jvm, Path source, Path run, long lines) throws Exception {
        deleteTree(run);
        Path export = run.resolve("export/tetragon.log");
        Path data = run.resolve("data");
        Files.createDirectories(export.getParent());
        try {
            Files.createLink(export, source); // the app only reads it: no need for a second copy of gigabytes
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(source, export);
        }
        long size = Files.size(export);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvm.trim().split("\\s+")));
        cmd.addAll(List.of("-Dtetragon.export.path=" + export, "-Dtetragon.data.dir=" + data,
                "-Dquarkus.http.port=0", "-Dcamel.main.routes-reload-enabled=false", "-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Path.of("").toAbsolutePath().toFile())
                .redirectErrorStream(true).redirectOutput(run.resolve("app.log").toFile());
        long start = System.nanoTime();
        Process p = pb.start();
        Path events = data.resolve("out/events.ndjson");
        Path checkpoint = data.resolve("checkpoints");
        double first = -1;
        long firstAt = 0;
        long peak = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        try {
            while (true) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("the app exited; see " + run.resolve("app.log"));
                }
                peak = Math.max(peak, statusKb(p.pid(), "VmHWM:"));
                if (first < 0 && Files.exists(events) && Files.size(events) > 0) {
                    firstAt = System.nanoTime();
                    first = (firstAt - start) / 1e9;
                }
                if (checkpointOffset(checkpoint) >= size) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("not done in 30 minutes");
                }
                TimeUnit.MILLISECONDS.sleep(50); // sampling a separate process, not a test
            }
            long done = System.nanoTime();
            double cpu = cpuSeconds(p.pid());
            peak = Math.max(peak, statusKb(p.pid(), "VmHWM:"));
            long shipped;
            try (var l = Files.lines(events)) {
                shipped = l.count();
            }
            if (shipped != lines) {
                throw new IllegalStateException("shipped " + shipped + " of " + lines + " lines");
            }
            return new Result(first, (done - firstAt) / 1e9, cpu, peak);
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static long checkpointOffset(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return -1;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                try {
                    return MAPPER.readTree(f.toFile()).path("offset").asLong(-1);
                } catch (IOException e) {
                    return -1; // replaced while we read it
                }
            }
        }
        return -1;
    }

    private static long statusKb(long pid, String key) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith(key)) {
                return Long.parseLong(l.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        return 0;
    }

    /** utime + stime of the process, from /proc (clock ticks of 1/100 s on Linux). */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.exists(p)) {
            try (var walk = Files.walk(p)) {
                for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        }
    }
}
