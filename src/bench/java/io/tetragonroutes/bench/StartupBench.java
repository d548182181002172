package io.tetragonroutes.bench;

import io.tetragonroutes.deploy.AppCdsTraining;
import io.tetragonroutes.sink.kafka.ForkedKafkaBroker;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Start-up to the first event shipped, as the container starts: the AppCDS archive is trained by the script the
 * image's build runs ({@code src/main/docker/appcds-train.sh}), then the app starts {@code starts} times with it and
 * as many times without, alternately, each time on a fresh data directory, a small export and the same mock API
 * server. The clock runs from the process' launch to the first line in the events file, or, with {@code kafka} (the
 * file sink off), to the broker's append time of the first record (topics with {@code LogAppendTime}).
 */
final class StartupBench {

    /** Start-up seconds with and without the archive, and the archive the throughput runs use. */
    record Result(double[] withArchive, double[] without, double[] kafkaWith, double[] kafkaWithout, Path archive) {

        String table() {
            List<String> t = new ArrayList<>(List.of(
                    "| start to first event shipped (s) | median | min | max |",
                    "|---|---|---|---|",
                    line("file sink, with the image's AppCDS archive", withArchive),
                    line("file sink, without it", without)));
            if (kafkaWith.length > 0) {
                t.add(line("Kafka sink, with the archive", kafkaWith));
                t.add(line("Kafka sink, without it", kafkaWithout));
            }
            return String.join("\n", t);
        }

        private static String line(String name, double[] s) {
            double[] x = s.clone();
            Arrays.sort(x);
            return String.format(Locale.ROOT, "| %s (%d starts) | %.2f | %.2f | %.2f |", name, x.length,
                    PairBench.median(x), x[0], x[x.length - 1]);
        }
    }

    private StartupBench() {
    }

    /** The archive option for the app's JVM, as the Dockerfile sets it. */
    static String archiveOption(Path archive) {
        return "-XX:SharedArchiveFile=" + archive;
    }

    static Result run(Path jar, String jvm, Path source, Path dir, List<String> props, int starts, boolean kafka)
            throws Exception {
        Path archive = dir.resolve("app-cds.jsa");
        AppCdsTraining.train(jar.getParent(), archive, options(jvm));
        Path export = firstLines(source, dir.resolve("startup-source.log"));
        double[] with = new double[starts];
        double[] without = new double[starts];
        for (int i = 0; i < starts; i++) {
            without[i] = once(jar, jvm, props, export, dir.resolve("startup"), null);
            with[i] = once(jar, jvm + " " + archiveOption(archive), props, export, dir.resolve("startup"), null);
        }
        double[] kafkaWith = new double[kafka ? starts : 0];
        double[] kafkaWithout = new double[kafka ? starts : 0];
        if (kafka) {
            EndToEndBench.deleteTree(dir.resolve("startup-kafka"));
            try (ForkedKafkaBroker broker = ForkedKafkaBroker.start(dir.resolve("startup-kafka"))) {
                // one partition, so the first record is at the end offset read before each start
                EndToEndBench.createTopics(broker.bootstrapServers(), Optional.of(1),
                        Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"),
                        "tetragon.events", "tetragon.alerts");
                List<String> kafkaProps = new ArrayList<>(props);
                kafkaProps.add("-Dtetragon.sink.file.enabled=false");
                kafkaProps.add("-Dtetragon.sink.kafka.brokers=" + broker.bootstrapServers());
                for (int i = 0; i < starts; i++) {
                    kafkaWithout[i] = once(jar, jvm, kafkaProps, export, dir.resolve("startup"), broker);
                    kafkaWith[i] = once(jar, jvm + " " + archiveOption(archive), kafkaProps, export,
                            dir.resolve("startup"), broker);
                }
            }
        }
        return new Result(with, without, kafkaWith, kafkaWithout, archive);
    }

    /**
     * This build and another ({@code other}: its {@code quarkus-run.jar}; routes, kamelets and the training script
     * from its checkout), each with an archive trained from its own checkout, started one after the other
     * {@code starts} times (which one goes first alternates), file sink. Start-ups that follow each other meet the
     * same drift of this machine's speed, so the difference within a pair is steadier than two series run apart.
     */
    static void pair(Path jar, Path other, String jvm, Path source, Path dir, List<String> props, int starts)
            throws Exception {
        Path[] jars = {jar, other};
        String[] jvms = new String[2];
        for (int k = 0; k < 2; k++) {
            Path archive = dir.resolve(k == 0 ? "pair-this-cds.jsa" : "pair-other-cds.jsa");
            AppCdsTraining.train(checkout(jars[k]), jars[k].getParent(), archive, options(jvm));
            jvms[k] = jvm + " " + archiveOption(archive);
        }
        Path export = firstLines(source, dir.resolve("startup-source.log"));
        List<String> rows = new ArrayList<>(List.of("| pair | this (s) | other (s) | other - this (s) |",
                "|---|---|---|---|"));
        double[][] s = new double[3][starts]; // this, other, difference
        for (int i = 0; i < starts; i++) {
            boolean otherFirst = i % 2 == 1;
            for (int k = 0; k < 2; k++) {
                int which = otherFirst ? 1 - k : k;
                s[which][i] = once(jars[which], checkout(jars[which]), jvms[which], props, export,
                        dir.resolve("startup"), null);
            }
            s[2][i] = s[1][i] - s[0][i];
            String row = EndToEndBench.fmt("| %d%s | %.2f | %.2f | %+.2f |", i + 1, otherFirst ? " (other first)" : "",
                    s[0][i], s[1][i], s[2][i]);
            rows.add(row);
            System.out.println(row);
        }
        String table = String.join("\n", rows) + "\n\n" + String.join("\n",
                EndToEndBench.fmt("- medians of %d pairs: this %.2f s, other %.2f s, other - this %+.2f s", starts,
                        PairBench.median(s[0]), PairBench.median(s[1]), PairBench.median(s[2])),
                "- start to first event shipped: from the launch to the first line in the events file; each build "
                        + "with an AppCDS archive trained from its checkout, fresh data directory, the export's "
                        + "first 5,000 lines",
                EndToEndBench.fmt("- this: %s; other: %s; Kubernetes %s; JVM options: %s", jar, other,
                        props.isEmpty() ? "off" : "on (the mock API server)", jvm.isBlank() ? "(none)" : jvm),
                EndToEndBench.machine());
        EndToEndBench.report(dir.resolve("startup-pair.md"), "Start-up pair benchmark", table);
    }

    /** JVM options as the training script takes them (blank = none). */
    private static List<String> options(String jvm) {
        return jvm.isBlank() ? List.of() : List.of(jvm.trim().split("\\s+"));
    }

    /** The checkout a build's jar belongs to: {@code <checkout>/target/quarkus-app/quarkus-run.jar}. */
    static Path checkout(Path jar) {
        return jar.toAbsolutePath().getParent().getParent().getParent();
    }

    /** The export's first 5,000 lines, which every start reads. */
    private static Path firstLines(Path source, Path export) throws Exception {
        try (BufferedReader in = Files.newBufferedReader(source); BufferedWriter out = Files.newBufferedWriter(export)) {
            String l;
            for (int i = 0; i < 5_000 && (l = in.readLine()) != null; i++) {
                out.write(l);
                out.write('\n');
            }
        }
        return export;
    }

    private static double once(Path jar, String jvm, List<String> props, Path source, Path run,
                               ForkedKafkaBroker kafka) throws Exception {
        return once(jar, Path.of("").toAbsolutePath(), jvm, props, source, run, kafka);
    }

    private static double once(Path jar, Path workDir, String jvm, List<String> props, Path source, Path run,
                               ForkedKafkaBroker kafka) throws Exception {
        EndToEndBench.deleteTree(run);
        Path export = Files.createDirectories(run.resolve("export")).resolve("tetragon.log");
        Files.copy(source, export);
        Path data = run.resolve("data");
        Path events = data.resolve("out/events.ndjson");
        TopicPartition events0 = new TopicPartition("tetragon.events", 0);
        long firstOffset = kafka == null ? 0 : EndToEndBench.topicRecords(kafka.bootstrapServers(), "tetragon.events");
        long launchedMillis = System.currentTimeMillis();
        try (AppProcess app = AppProcess.start(jar, workDir, jvm, props, export, data, run.resolve("app.log"))) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            if (kafka != null) {
                return (appendTime(kafka.bootstrapServers(), events0, firstOffset, app, deadline) - launchedMillis)
                        / 1e3;
            }
            while (!(Files.exists(events) && Files.size(events) > 0)) {
                app.checkAlive();
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no event shipped in 2 minutes; see " + run.resolve("app.log"));
                }
                TimeUnit.MILLISECONDS.sleep(5); // sampling a separate process, not a test
            }
            return (System.nanoTime() - app.startedAt()) / 1e9;
        }
    }

    /**
     * The broker's append time (ms since the epoch) of the record at {@code offset}, waited for from the launch with
     * the broker's long poll: nothing asks the starting app anything (scraping its metrics every few milliseconds
     * took CPU from its start on 2 cores).
     */
    private static long appendTime(String bootstrap, TopicPartition tp, long offset, AppProcess app, long deadline) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seek(tp, offset);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.timestampType() != TimestampType.LOG_APPEND_TIME) {
                        throw new IllegalStateException("the topic has no LogAppendTime: " + r.timestampType());
                    }
                    return r.timestamp();
                }
                app.checkAlive();
            }
            throw new IllegalStateException("no record at offset " + offset + " of " + tp + " in 2 minutes");
        }
    }
}
