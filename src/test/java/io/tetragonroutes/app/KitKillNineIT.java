package io.tetragonroutes.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.demo.DemoExport;
import io.tetragonroutes.demo.LumberjackWriter;
import io.tetragonroutes.sink.kafka.KafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged app (target/quarkus-app), shipping to a real Kafka broker, is killed with SIGKILL in the middle of
 * a busy, rotating stream and started again: every event written to the export reaches the topic (a few twice,
 * from the batches in flight at the kill), none is lost.
 */
@Timeout(300)
class KitKillNineIT {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final List<Process> apps = new ArrayList<>();

    @AfterEach
    void killApps() {
        apps.forEach(Process::destroyForcibly);
    }

    private Process startApp(Path dir, String brokers, int run) throws IOException {
        Path jar = Path.of(System.getProperty("tetragon.app.jar", "target/quarkus-app/quarkus-run.jar"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-Dtetragon.export.path=" + dir.resolve("export/tetragon.log"),
                "-Dtetragon.data.dir=" + dir.resolve("data"),
                "-Dtetragon.sink.kafka.brokers=" + brokers,
                "-Dtetragon.export.linger-ms=10",
                "-Dquarkus.http.port=0",
                "-jar", jar.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("app-" + run + ".log").toFile())
                .start(); // from the project root: the app reads routes/ and kamelets/ from there
        apps.add(p);
        return p;
    }

    @Test
    void killNineMidStreamThenRestartLosesNothing() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start()) {
            Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "kill9-it");
            Path export = dir.resolve("export/tetragon.log");
            Path shipped = dir.resolve("data/out/events.ndjson");
            int total = 30_000;
            Set<JsonNode> written = new HashSet<>();
            int[] seen = {0};
            DemoExport gen = new DemoExport(99, "kill9-node");

            Process first = startApp(dir, kafka.bootstrapServers(), 1);
            // like a DaemonSet pod beside Tetragon: the kit is up and waiting before the export is written
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(dir.resolve("app-1.log"))
                    && Files.readString(dir.resolve("app-1.log")).contains("Waiting for the Tetragon export file"));
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                // 4 MB files, enough backups kept that Tetragon deletes none while the kit is down (the deletion
                // case, reported as lost_file, is TailTest's)
                try (LumberjackWriter w = new LumberjackWriter(export, 4_000_000, 100, false)) {
                    for (int i = 0; i < total; i++) {
                        byte[] line = gen.next();
                        w.writeLine(line);
                        synchronized (written) {
                            written.add(MAPPER.readTree(line));
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            // busy: kill it once it shipped a few thousand events, while the writer is still going
            await().atMost(Duration.ofSeconds(90)).until(() -> lines(shipped) > 3_000);
            first.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no drain
            first.waitFor();
            long atKill = lines(shipped);
            assertTrue(!writer.isDone() || atKill < total, "killed mid-stream (" + atKill + " shipped)");

            startApp(dir, kafka.bootstrapServers(), 2);
            writer.get();
            Set<JsonNode> got = new HashSet<>();
            List<ConsumerRecord<String, byte[]>> records = kafka.readUntil("tetragon.events", r -> {
                for (int i = seen[0]; i < r.size(); i++) {
                    got.add(withoutRule(r.get(i).value()));
                }
                seen[0] = r.size();
                return got.containsAll(written); // duplicates (batches in flight at the kill) are expected
            }, Duration.ofSeconds(150));
            Set<JsonNode> missing = new HashSet<>(written);
            missing.removeAll(got);
            assertEquals(Set.of(), missing.size() > 3 ? Set.of(missing.size() + " events missing") : missing,
                    "every event written reaches Kafka");
            assertEquals(written.size(), got.size());
            assertTrue(!Files.exists(dir.resolve("data/dead-letter/dead-letter.ndjson")), "no line was dead-lettered");
            System.out.printf("kill -9 after %,d shipped; %,d records for %,d events (%,d repeated)%n", atKill,
                    records.size(), written.size(), records.size() - written.size());
        }
    }

    /** The event without the fields the rules added: Tetragon's own line, to compare with what was written. */
    private static JsonNode withoutRule(byte[] value) {
        try {
            ObjectNode e = (ObjectNode) MAPPER.readTree(value);
            e.remove("rule");
            return e;
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static long lines(Path p) throws IOException {
        if (!Files.exists(p)) {
            return 0;
        }
        try (var l = Files.lines(p)) {
            return l.count();
        }
    }
}
