package io.tetragonroutes.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import io.tetragonroutes.sink.kafka.ForkedKafkaBroker;
import io.tetragonroutes.sink.kafka.KafkaFloor;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * End to end: the packaged app (a separate JVM, as users run it) tails a generated multi-million-line export with
 * the default routes and rule pack, Kubernetes enrichment on a warm cache (fabric8's mock API server holding every
 * pod the export names) and one sink: the file sink, then a real Kafka broker (the test kit's, in its own JVM).
 * Reports events/s, MB/s, CPU seconds per million events, peak RSS and start-up to first event, next to the ceiling
 * measured in the same run on the same file: one thread doing Jackson readTree + writeValueAsBytes.
 * <p>
 * Properties: bench.lines (2000000), bench.samples (../shared/tetragon-samples), bench.dir (target/bench),
 * bench.jar (target/quarkus-app/quarkus-run.jar), bench.jvm (JVM options for the app), bench.sinks (file,kafka),
 * bench.k8s (true), bench.appcds (true: the image's AppCDS archive, see {@link StartupBench}), bench.starts (5),
 * bench.ceiling.lines (500000: the ceiling's share of the export, run alongside each sink, and before and after it).
 * {@code bench.soak=600} instead runs the app for that many seconds on an export written at
 * bench.soak.rate events/s (5000) with Tetragon's rotation, and samples its RSS (see {@link SoakBench}).
 * {@code bench.pair=<another build's quarkus-run.jar>} instead runs this build and that one at the same time,
 * bench.pair.runs times (6), to compare them on a machine whose speed drifts (see {@link PairBench}), the other
 * with bench.pair.jvm's JVM options if set (this build's own jar there compares two JVM settings); with
 * {@code bench.pair.starts=N} it instead compares their start-ups, N pairs of starts (see {@link StartupBench#pair}).
 * {@code bench.steps=3} instead runs the route's steps without the app on fresh lines of the export, next to the
 * ceiling, that many times (see {@link StepLoop}).
 */
public final class EndToEndBench {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static void main(String[] args) {
        // The mock API server's Vert.x event loops are not daemon threads and outlive destroy(): exit either way,
        // or a failed run hangs instead of failing the build.
        int status = 0;
        try {
            run();
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }

    private static void run() throws Exception {
        long lines = Long.getLong("bench.lines", 2_000_000);
        Path samples = Path.of(System.getProperty("bench.samples", "../shared/tetragon-samples"));
        Path dir = Path.of(System.getProperty("bench.dir", "target/bench")).toAbsolutePath();
        Path jar = Path.of(System.getProperty("bench.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        String jvm = System.getProperty("bench.jvm", "");
        List<String> sinks = List.of(System.getProperty("bench.sinks", "file,kafka").split(","));
        boolean k8s = Boolean.parseBoolean(System.getProperty("bench.k8s", "true"));
        long soak = Long.getLong("bench.soak", 0);
        boolean appcds = Boolean.parseBoolean(System.getProperty("bench.appcds", "true"));
        int starts = Integer.getInteger("bench.starts", 5);
        int pods = Integer.getInteger("bench.pods", 110);

        try (BenchApi api = k8s ? BenchApi.start(new SampleExportGenerator(samples, 42, pods).pods()) : null) {
            if (soak > 0) {
                SoakBench.run(samples, dir, jar, jvm, api, soak, Integer.getInteger("bench.soak.rate", 5000));
                return;
            }
            String pair = System.getProperty("bench.pair", "");
            Path source = dir.resolve("source-" + lines + "-" + pods + "pods.log");
            if (!Files.exists(source)) {
                long t = System.nanoTime();
                Files.createDirectories(dir);
                Path tmp = dir.resolve("source.tmp");
                Files.deleteIfExists(tmp);
                new SampleExportGenerator(samples, 42, pods).write(tmp, lines, 0);
                Files.move(tmp, source, StandardCopyOption.REPLACE_EXISTING);
                System.out.printf(Locale.ROOT, "generated %,d lines (%.0f MB) in %.1f s%n", lines,
                        Files.size(source) / 1e6, (System.nanoTime() - t) / 1e9);
            }
            int steps = Integer.getInteger("bench.steps", 0);
            if (steps > 0) {
                steps(source, jvm, lines, samples, pods, dir, steps);
                return;
            }
            int pairStarts = Integer.getInteger("bench.pair.starts", 0);
            if (!pair.isBlank() && pairStarts > 0) {
                StartupBench.pair(jar, Path.of(pair).toAbsolutePath(), jvm, source, dir,
                        api == null ? List.of() : api.appProperties(), pairStarts);
                return;
            }
            if (!pair.isBlank()) {
                String pairJvm = System.getProperty("bench.pair.jvm", "");
                PairBench.run(jar, Path.of(pair).toAbsolutePath(), jvm, pairJvm.isBlank() ? jvm : pairJvm, source,
                        dir, api, Integer.getInteger("bench.pair.runs", 6));
                return;
            }
            long bytes = Files.size(source);
            long ceilingLines = Math.min(lines, Long.getLong("bench.ceiling.lines", 500_000));
            String appJvm = jvm;
            String startup = "";
            if (appcds) { // the image's AppCDS archive, trained as its build does; the ceiling runs without one
                StartupBench.Result s = StartupBench.run(jar, jvm, source, dir,
                        api == null ? List.of() : api.appProperties(), starts, sinks.contains("kafka"));
                appJvm = (jvm + " " + StartupBench.archiveOption(s.archive())).trim();
                startup = s.table() + "\n\n";
                System.out.println(startup);
            }

            List<String> rows = new ArrayList<>(List.of(
                    "| measure | " + String.join(" | ", sinks) + " |",
                    "|---" + "|---".repeat(sinks.size()) + "|"));
            List<Result> results = new ArrayList<>();
            for (String sink : sinks) {
                // This machine's speed drifts by tens of percent over minutes, for every thread of every process
                // alike (see README > Performance): the ceiling is measured right before and right after each run.
                // It also runs alongside the app, in the same seconds, which is the ratio the drift cannot move.
                double before = ceiling(source, jvm, ceilingLines);
                Result r = runWith(sink, jar, appJvm, jvm, source, dir, lines, ceilingLines, api);
                results.add(r.withCeiling(before, ceiling(source, jvm, ceilingLines)));
            }
            rows.add(row("start to first event shipped (s)", results, r -> fmt("%.2f", r.firstEventSeconds)));
            rows.add(row("events/s, wall, first to last event", results, r -> fmt("%,.0f", lines / r.wallSeconds)));
            rows.add(row("events/s, wall, steady", results,
                    r -> fmt("%,.0f", r.steadyEvents / r.steadyWallSeconds)));
            rows.add(row("MB/s, steady", results, r -> fmt("%.1f", r.steadyBytes / 1e6 / r.steadyWallSeconds)));
            rows.add(row("CPU seconds per million events, steady", results,
                    r -> fmt("%.2f", r.steadyCpuSeconds / (r.steadyEvents / 1e6))));
            for (int g = 0; g < ThreadCpu.GROUPS.size(); g++) {
                int group = g;
                rows.add(row("of which " + ThreadCpu.GROUPS.get(g) + " threads", results,
                        r -> fmt("%.2f", r.steadyByThread[group] / (r.steadyEvents / 1e6))));
            }
            rows.add(row("of the pipeline's, in the kernel (system calls: reading the export, writing the sink)",
                    results, r -> fmt("%.2f", r.steadySystemPipeline / (r.steadyEvents / 1e6))));
            rows.add(row("a plain loop writing the same bytes in the same batches and rotation right after, in the "
                    + "kernel (what this machine charges for the writes; see README)", results,
                    r -> Double.isNaN(r.writeFloor) ? "-" : fmt("%.2f", r.writeFloor / (r.steadyEvents / 1e6))));
            rows.add(row("Kafka broker CPU seconds per million events, steady (its own JVM, not in the app's)",
                    results, r -> Double.isNaN(r.steadyBrokerCpu) ? "-"
                            : fmt("%.2f", r.steadyBrokerCpu / (r.steadyEvents / 1e6))));
            rows.add(row("a plain loop sending the same records to the same broker with the sink's settings right"
                    + " after, its process's CPU seconds per million events (the Kafka client's floor; see README)",
                    results, r -> Double.isNaN(r.kafkaFloor) ? "-" : fmt("%.2f", r.kafkaFloor)));
            rows.add(row("the Jackson ceiling alongside plus that floor, as a share of the ceiling (the most any"
                    + " pipeline as costly as the ceiling could reach into this Kafka)", results,
                    r -> Double.isNaN(r.kafkaFloor) ? "-"
                            : fmt("%.2f", ceilingPlus(r.ceilingAlongside, r.kafkaFloor))));
            rows.add(row("**events per CPU-second, steady**", results,
                    r -> fmt("**%,.0f**", r.steadyEvents / r.steadyCpuSeconds)));
            rows.add(row("Jackson ceiling alongside, events per CPU-second (same window, same seconds)", results,
                    r -> fmt("%,.0f", r.ceilingAlongside)));
            rows.add(row("**app / Jackson ceiling alongside, per CPU-second, steady**", results,
                    r -> fmt("**%.2f**", r.steadyEvents / r.steadyCpuSeconds / r.ceilingAlongside)));
            rows.add(row("Jackson ceiling on its own, events per CPU-second: the better of the runs just before / after",
                    results, r -> fmt("%,.0f (%,.0f / %,.0f)", r.ceiling(), r.ceilingBefore, r.ceilingAfter)));
            rows.add(row("app / Jackson ceiling on its own, per CPU-second, steady", results,
                    r -> fmt("%.2f", r.steadyEvents / r.steadyCpuSeconds / r.ceiling())));
            rows.add(row("CPU seconds per million events, first to last event (JIT warm-up included)", results,
                    r -> fmt("%.2f", r.runCpuSeconds / (lines / 1e6))));
            rows.add(row("CPU seconds per million events, whole process (start-up included)", results,
                    r -> fmt("%.2f", r.cpuSeconds / (lines / 1e6))));
            rows.add(row("peak RSS (MB)", results, r -> fmt("%.0f", r.peakRssKb / 1024.0)));
            rows.add(row("Kubernetes lookups found / all", results, r -> r.k8s));
            String table = String.join("\n", rows) + "\n\n" + startup + String.join("\n",
                    fmt("- export: %,d lines, %.0f MB (40%% exec, 30%% exit, 30%% kprobe, from the real samples)",
                            lines, bytes / 1e6),
                    fmt("- Jackson ceiling: 1 thread, readTree + writeValueAsBytes, own JVM with the app's options, the"
                            + " first %,d lines of the same export. Alongside: over and over while the app runs,"
                            + " counted over the app's steady window. On its own: run just before and just after each"
                            + " sink's run; the better of the two (a slower machine only ever lowers it, which would"
                            + " flatter the app)", ceilingLines),
                    "- steady: after the first quarter of what each reads (JIT warm): the export for the app, its"
                            + " first lines for the ceiling; CPU is the whole process's (all threads, GC and JIT"
                            + " included), from /proc",
                    fmt("- app JVM options: %s", appJvm.isBlank() ? "(none: the defaults README documents)" : appJvm),
                    fmt("- Kubernetes: %s", api == null ? "off" : api.pods() + " pods in the mock API server"),
                    machine());
            report(dir.resolve("results.md"), "End-to-end benchmark", table);
        }
    }

    /** A ceiling's events per CPU-second with {@code floor} CPU seconds per million events added, over the ceiling. */
    static double ceilingPlus(double ceiling, double floor) {
        double cost = 1e6 / ceiling;
        return cost / (cost + floor);
    }

    static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }

    /** The last line of each report. */
    static String machine() {
        return fmt("- machine: %d cores, %s %s", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
    }

    /** Prints a report and writes it, titled and dated, to {@code file}. */
    static void report(Path file, String title, String table) throws IOException {
        System.out.println(table);
        Files.writeString(file, "# " + title + " " + Instant.now() + "\n\n" + table + "\n");
        System.out.println("written to " + file);
    }

    private static String row(String name, List<Result> results, java.util.function.Function<Result, String> f) {
        StringBuilder b = new StringBuilder("| ").append(name).append(" |");
        for (Result r : results) {
            b.append(' ').append(f.apply(r)).append(" |");
        }
        return b.toString();
    }

    /** {@code jvm}: the app's JVM options; {@code ceilingJvm}: the ceiling's (without the app's archive). */
    private static Result runWith(String sink, Path jar, String jvm, String ceilingJvm, Path source, Path dir,
                                  long lines, long ceilingLines, BenchApi api) throws Exception {
        Ceiling ceiling = () -> CeilingAlongside.start(source, ceilingJvm, ceilingLines);
        List<String> props = new ArrayList<>();
        if (api != null) {
            props.addAll(api.appProperties());
        }
        switch (sink) {
            case "file":
                Path run = dir.resolve("run-file");
                Result r = runApp(jar, jvm, props, source, run, lines, null, 0, ceiling);
                // the bytes the sink wrote in the steady window: about the export's, since events go out as they
                // came; in batches of 1,000 events, as the sink wrote them
                return r.withWriteFloor(WriteFloor.kernelSeconds(run, r.steadyBytes,
                        r.steadyBytes * 1000 / r.steadyEvents, jvm));
            case "kafka":
                deleteTree(dir.resolve("kafka"));
                try (ForkedKafkaBroker broker = ForkedKafkaBroker.start(dir.resolve("kafka"))) {
                    // as in a cluster that does not auto-create them: a new broker's topic creation (a metadata
                    // round trip or two per topic) is not the app's start-up
                    createTopics(broker.bootstrapServers(), "tetragon.events", "tetragon.alerts");
                    props.add("-Dtetragon.sink.file.enabled=false");
                    props.add("-Dtetragon.sink.kafka.brokers=" + broker.bootstrapServers());
                    Result k = runApp(jar, jvm, props, source, dir.resolve("run-kafka"), lines,
                            () -> topicRecords(broker.bootstrapServers(), "tetragon.events"), broker.pid(),
                            ceiling);
                    return k.withKafkaFloor(
                            kafkaFloor(broker.bootstrapServers(), ceilingJvm, jvm, dir, source, 2 * lines));
                }
            default:
                throw new IllegalArgumentException("bench.sinks: file or kafka, not " + sink);
        }
    }

    /**
     * {@link KafkaFloor} in its own JVM with the ceiling's options, to a new topic of the same broker right after the
     * app's run: its process's CPU seconds per million events. Its records are the file sink's output when the file
     * run came first (the same JSON the Kafka sink sends), else the export's lines. Twice the app's events by
     * default: the client's code keeps the JIT busy for longer than a 2M-event run, and the floor is meant to be
     * the client's steady cost, the lowest it measures.
     */
    private static double kafkaFloor(String bootstrap, String jvm, String appJvm, Path dir, Path export,
                                     long events) throws Exception {
        Path out = dir.resolve("run-file/data/out");
        Path source = Files.exists(out.resolve("events.ndjson.1")) ? out.resolve("events.ndjson.1")
                : Files.exists(out.resolve("events.ndjson")) ? out.resolve("events.ndjson") : export;
        createTopics(bootstrap, "tetragon.floor");
        long n = Long.getLong("bench.floor.events", 0);
        String compression = appSetting(appJvm, "tetragon.sink.kafka.compression");
        String[] f = runMain(jvm, KafkaFloor.class, bootstrap, "tetragon.floor", source.toString(),
                Long.toString(n > 0 ? n : events), compression,
                Integer.toString(Integer.getInteger("bench.floor.per-record", 1)));
        System.out.printf(Locale.ROOT, "Kafka floor (%s, %s): %s events, %s s, process %s CPU-s, sender thread %s"
                + " CPU-s, %s bytes per record%n", source.getFileName(), compression, f[0], f[1], f[2], f[3], f[4]);
        return Double.parseDouble(f[2]) / (Double.parseDouble(f[0]) / 1e6);
    }

    /** The app's setting: a {@code -Dkey=value} among its JVM options, else application.properties' default. */
    static String appSetting(String appJvm, String key) {
        for (String option : appJvm.split("\\s+")) {
            if (option.startsWith("-D" + key + "=")) {
                return option.substring(key.length() + 3);
            }
        }
        return AppDefaults.PROPERTIES.getProperty(key);
    }

    /** The app's application.properties, read once. */
    private static final class AppDefaults {
        static final java.util.Properties PROPERTIES = new java.util.Properties();

        static {
            try (InputStream in = EndToEndBench.class.getResourceAsStream("/application.properties")) {
                PROPERTIES.load(in);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Topics with the broker's default partitions and replication. */
    static void createTopics(String bootstrap, String... topics) throws Exception {
        createTopics(bootstrap, Optional.empty(), Map.of(), topics);
    }

    /** Topics with these partitions (empty: the broker's default) and topic configs. */
    static void createTopics(String bootstrap, Optional<Integer> partitions, Map<String, String> configs,
                             String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<NewTopic> list = new ArrayList<>();
            for (String t : topics) {
                list.add(new NewTopic(t, partitions, Optional.empty()).configs(configs));
            }
            admin.createTopics(list).all().get(1, TimeUnit.MINUTES);
        }
    }

    /** Records on all partitions of a topic (end offsets; the topic is new for each run). */
    static long topicRecords(String bootstrap, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (var p : admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()) {
                latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
            }
            long n = 0;
            for (var e : admin.listOffsets(latest).all().get().values()) {
                n += e.offset();
            }
            return n;
        }
    }

    /**
     * Events per CPU-second of {@link CeilingLoop} over the first {@code lines} lines of the export (steady: after
     * the first quarter of them), in its own JVM with the app's JVM options.
     */
    static double ceiling(Path source, String jvm, long lines) throws IOException, InterruptedException {
        String[] f = runMain(jvm, CeilingLoop.class, source.toString(), Long.toString(lines));
        return Double.parseDouble(f[0]) / Double.parseDouble(f[2]);
    }

    /** The command that runs one of the bench's mains in its own JVM with {@code jvm}'s options. */
    static List<String> mainCommand(String jvm, Class<?> main, String... args) {
        List<String> cmd = AppProcess.java(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs a bench main to its end; the fields of the last line it printed (JVM options may print before). */
    private static String[] runMain(String jvm, Class<?> main, String... args)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(mainCommand(jvm, main, args)).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(main.getSimpleName() + " failed: " + out);
        }
        return out.substring(out.lastIndexOf('\n') + 1).split(" ");
    }

    /**
     * {@link StepLoop} {@code rounds} times, each in its own JVM with the app's JVM options: ns per event of each
     * step on fresh lines, next to the Jackson ceiling on the lines in between.
     */
    static void steps(Path source, String jvm, long lines, Path samples, int pods, Path dir, int rounds)
            throws Exception {
        List<String> rows = new ArrayList<>(List.of(
                "| round | parse | enrich | rules (default pack) | NDJSON | the four steps | Jackson ceiling "
                        + "| steps / ceiling, events per second |",
                "|---|---|---|---|---|---|---|---|"));
        for (int i = 1; i <= rounds; i++) {
            String[] f = runMain(jvm, StepLoop.class, source.toString(), Long.toString(lines),
                    samples.toAbsolutePath().toString(), Integer.toString(pods));
            long[] v = new long[f.length];
            for (int k = 0; k < f.length; k++) {
                v[k] = Long.parseLong(f[k]);
            }
            long sum = v[2] + v[3] + v[4] + v[5];
            String row = fmt("| %d | %,d | %,d | %,d | %,d | %,d | %,d | %.2f |", i, v[2], v[3], v[4], v[5], sum, v[6],
                    v[6] / (double) sum);
            rows.add(row);
            System.out.println(row);
        }
        String table = String.join("\n", rows) + "\n\n" + String.join("\n",
                "- ns per event, one thread, after the first quarter of the lines; every batch of 1000 lines is new:"
                        + " even batches go through the steps, odd ones through the ceiling (readTree +"
                        + " writeValueAsBytes)",
                fmt("- export: %,d lines; enrichment: every pod the export names preloaded; rules: routes/rules;"
                        + " JVM options: %s", lines, jvm.isBlank() ? "(none)" : jvm),
                "- not in it: cutting lines, Camel, checkpoints, a sink's I/O, JIT and GC threads (the end-to-end"
                        + " benchmark has them all)",
                machine());
        report(dir.resolve("steps.md"), "Steps on fresh lines", table);
    }

    public interface LineWork {
        void line(byte[] buf, int off, int len) throws IOException;
    }

    /** Reads 4 MiB at a time and hands out each line as a slice of the buffer. */
    public static void forEachLine(Path p, long max, LineWork work) throws IOException {
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

    /**
     * cpuSeconds: the whole process, start-up included; runCpuSeconds: from the first event shipped to the last;
     * steady*: the window after the first quarter of the export (JIT warm), as the ceiling is measured;
     * steadyByThread: that window's CPU by {@link ThreadCpu#GROUPS}; steadySystemPipeline: the pipeline group's
     * system time in it; steadyBrokerCpu: the broker's (its own JVM, not in the app's figures), NaN without one;
     * ceilingAlongside: the Jackson ceiling's events per CPU-second
     * in the same window, running at the same time; ceilingBefore/After: its events per CPU-second on its own,
     * just before and after the run; writeFloor: the kernel seconds a plain loop takes to write the bytes the file
     * sink wrote in the steady window (see {@link WriteFloor}), NaN for other sinks; kafkaFloor: {@link KafkaFloor}'s
     * process CPU seconds per million events, NaN for other sinks.
     */
    record Result(double firstEventSeconds, double wallSeconds, double cpuSeconds, double runCpuSeconds,
                  long steadyEvents, double steadyWallSeconds, double steadyCpuSeconds, long steadyBytes,
                  long peakRssKb, String k8s, double[] steadyByThread, double steadySystemPipeline,
                  double steadyBrokerCpu, double ceilingAlongside, double ceilingBefore, double ceilingAfter,
                  double writeFloor, double kafkaFloor) {

        Result withCeiling(double before, double after) {
            return new Result(firstEventSeconds, wallSeconds, cpuSeconds, runCpuSeconds, steadyEvents,
                    steadyWallSeconds, steadyCpuSeconds, steadyBytes, peakRssKb, k8s, steadyByThread,
                    steadySystemPipeline, steadyBrokerCpu, ceilingAlongside, before, after, writeFloor, kafkaFloor);
        }

        Result withWriteFloor(double seconds) {
            return new Result(firstEventSeconds, wallSeconds, cpuSeconds, runCpuSeconds, steadyEvents,
                    steadyWallSeconds, steadyCpuSeconds, steadyBytes, peakRssKb, k8s, steadyByThread,
                    steadySystemPipeline, steadyBrokerCpu, ceilingAlongside, ceilingBefore, ceilingAfter, seconds,
                    kafkaFloor);
        }

        Result withKafkaFloor(double cpuPerMillion) {
            return new Result(firstEventSeconds, wallSeconds, cpuSeconds, runCpuSeconds, steadyEvents,
                    steadyWallSeconds, steadyCpuSeconds, steadyBytes, peakRssKb, k8s, steadyByThread,
                    steadySystemPipeline, steadyBrokerCpu, ceilingAlongside, ceilingBefore, ceilingAfter, writeFloor,
                    cpuPerMillion);
        }

        /** The better of the two: a slow spell only ever lowers it, and a lower ceiling would flatter the app. */
        double ceiling() {
            return Math.max(ceilingBefore, ceilingAfter);
        }
    }

    /** Lines that end before {@code offset}: its newlines, since a checkpoint is always at a line start. */
    static long linesBefore(Path source, long offset) throws IOException {
        long n = 0;
        try (InputStream in = Files.newInputStream(source)) {
            byte[] buf = new byte[4 << 20];
            long left = offset;
            int r;
            while (left > 0 && (r = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                for (int i = 0; i < r; i++) {
                    if (buf[i] == '\n') {
                        n++;
                    }
                }
                left -= r;
            }
        }
        return n;
    }

    interface Count {
        long get() throws Exception;
    }

    interface Ceiling {
        CeilingAlongside start() throws IOException;
    }

    /**
     * Starts the app on a copy (hard link) of the export; done when its checkpoint reaches the end of the file. The
     * ceiling loop starts alongside once the first event is shipped (so as not to slow the start-up measured here),
     * which leaves it the first quarter of the export to warm up in. The export is read into the page cache first.
     */
    static Result runApp(Path jar, String jvm, List<String> props, Path source, Path run, long lines, Count shipped,
                         long brokerPid, Ceiling alongside) throws Exception {
        Path export = exportIn(run, source);
        Path data = run.resolve("data");
        long size = Files.size(export);
        intoPageCache(export);
        AppProcess app = AppProcess.start(jar, jvm, props, export, data, run.resolve("app.log"));
        Path events = data.resolve("out/events.ndjson");
        SteadyWindow steady = null;
        CeilingAlongside ceiling = null;
        double first = -1;
        long firstAt = 0;
        double cpuAtFirst = 0;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        try {
            while (true) {
                if (first < 0 && (shipped == null ? Files.exists(events) && Files.size(events) > 0
                        : app.metric("tetragon_sink_events_total") > 0)) {
                    firstAt = System.nanoTime();
                    first = (firstAt - app.startedAt()) / 1e9;
                    cpuAtFirst = app.cpuSeconds();
                    ceiling = alongside.start();
                    steady = new SteadyWindow(app, data.resolve("checkpoints"), size, brokerPid, ceiling);
                }
                app.checkAlive();
                if (steady != null && steady.poll()) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("not done in 30 minutes");
                }
                TimeUnit.MILLISECONDS.sleep(50); // sampling a separate process, not a test
            }
            double cpu = app.cpuSeconds();
            long peak = app.statusKb("VmHWM:"); // the kernel's high-water mark: read once, at the end
            long n;
            if (shipped == null) {
                // the sink's own count: the file is rotated by size (README > Configuration), so the files on disk
                // hold only the newest events
                n = (long) app.metric("tetragon_sink_events_total{output=\"all\",sink=\"file\"}");
            } else {
                n = shipped.get();
            }
            if (n < lines) {
                throw new IllegalStateException("shipped " + n + " of " + lines + " lines");
            }
            double found = app.metric("tetragon_k8s_lookups_total{result=\"pod_ref\"")
                    + app.metric("tetragon_k8s_lookups_total{result=\"container_id\"");
            double all = found + app.metric("tetragon_k8s_lookups_total{result=\"miss\"");
            String k8s = all == 0 ? "off" : fmt("%,.0f / %,.0f", found, all);
            long steadyEvents = n - linesBefore(source, steady.warmOffset);
            return new Result(first, (steady.doneAt - firstAt) / 1e9, cpu, cpu - cpuAtFirst, steadyEvents,
                    (steady.doneAt - steady.warmAt) / 1e9, steady.process, size - steady.warmOffset, peak, k8s,
                    steady.byThread, steady.systemByThread[0], steady.broker, steady.ceilingRate, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN);
        } finally {
            app.close();
            if (ceiling != null) {
                ceiling.close();
            }
        }
    }

    /**
     * Reads {@code file} once, so that the app reads it from the page cache, as it reads a live export Tetragon has
     * just written. A cached export left on disk between runs may have been evicted since, and reading it from the
     * disk again put 2.5 CPU seconds per million events more of kernel time on the app's pipeline thread
     * (2026-12-05 06:0x: 4.08 against 1.62), which the ceiling, reading its first lines over and over, never pays.
     */
    static void intoPageCache(Path file) throws IOException {
        try (FileChannel in = FileChannel.open(file)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(4 << 20);
            while (in.read(buf.clear()) >= 0) {
                // read and dropped: only the page cache keeps it
            }
        }
    }

    /** A fresh {@code run} directory with the export in it: a hard link to {@code source}, or a copy. */
    static Path exportIn(Path run, Path source) throws IOException {
        deleteTree(run);
        Path export = run.resolve("export/tetragon.log");
        Files.createDirectories(export.getParent());
        try {
            Files.createLink(export, source); // the app only reads it: no need for a second copy of gigabytes
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(source, export);
        }
        return export;
    }

    static long checkpointOffset(Path dir) throws IOException {
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

    static void deleteTree(Path p) throws IOException {
        if (Files.exists(p)) {
            try (var walk = Files.walk(p)) {
                for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        }
    }
}
