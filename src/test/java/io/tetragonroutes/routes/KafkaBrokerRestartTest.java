package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.demo.DemoExport;
import io.tetragonroutes.demo.LumberjackWriter;
import io.tetragonroutes.sink.kafka.ForkedKafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka broker is killed (SIGKILL) in the middle of a stream, Tetragon rotates while it is down, and the broker
 * comes back at the same address: the tail pauses while it is down (bounded in-flight batches), and every event
 * written to the export is on the topic afterwards, by identity.
 */
@Timeout(240)
class KafkaBrokerRestartTest extends KitRoutesTestSupport {

    private static ForkedKafkaBroker kafka;
    private final DemoExport gen = new DemoExport(23, "restart-node");

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = ForkedKafkaBroker.start(Files.createTempDirectory(Files.createDirectories(Path.of("target")), "kafka"));
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Override
    protected void properties(Properties p) {
        p.put("tetragon.sink.kafka.brokers", kafka.bootstrapServers());
        p.put("tetragon.export.batch-size", "50");
    }

    @Test
    void everyEventReachesTheTopicAcrossABrokerKillAndRestart() throws Exception {
        Set<JsonNode> written = new HashSet<>();
        try (LumberjackWriter w = new LumberjackWriter(export, 10_000_000, 5, false)) {
            write(w, 300, written);
            await().atMost(Duration.ofSeconds(60)).until(() -> shipped() >= 300);

            kafka.kill();
            write(w, 300, written);
            w.rotate();
            write(w, 300, written);
            // back-pressure: the batches waiting for the broker (at most max-inflight) stop the tail, so the file
            // sink before Kafka in output-all sees at most those beyond the 300, and nothing counts as shipped
            long bound = 300 + 4 * 50;
            await().atMost(Duration.ofSeconds(30)).until(() -> lineCount(data.resolve("out/events.ndjson")) > 300);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> lineCount(data.resolve("out/events.ndjson")) <= bound);
            assertTrue(shipped() <= 300 + 50, "events counted as shipped to a dead broker: " + shipped());
        }
        kafka.restart();

        List<ConsumerRecord<String, byte[]>> records = kafka.readUntil("tetragon.events",
                r -> identities(r).containsAll(written), Duration.ofSeconds(120));
        Set<JsonNode> onTopic = identities(records);
        assertEquals(written.size(), 900, "900 distinct generated events");
        assertTrue(onTopic.containsAll(written), "lost: " + (written.size() - intersection(onTopic, written)));
        assertEquals(written, onTopic, "nothing on the topic that was not written");
        // at least once: a batch the broker had partly taken before the kill may be sent again, nothing more
        assertTrue(records.size() - written.size() <= 4 * 50, "duplicates beyond the in-flight batches: "
                + (records.size() - written.size()));
        await().atMost(Duration.ofSeconds(30)).until(() -> shipped() >= 900);
    }

    private double shipped() {
        return registry.counter("tetragon.sink.events", "sink", "kafka", "output", "all").count();
    }

    private void write(LumberjackWriter w, int n, Set<JsonNode> written) throws IOException {
        for (int i = 0; i < n; i++) {
            byte[] line = gen.next();
            w.writeLine(line);
            written.add(mapper.readTree(line));
        }
    }

    /** Tetragon's own fields of each record (the rule fields the pipeline adds removed). */
    private Set<JsonNode> identities(List<ConsumerRecord<String, byte[]>> records) {
        Set<JsonNode> out = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            try {
                ObjectNode e = (ObjectNode) mapper.readTree(r.value());
                e.remove("rule");
                out.add(e);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    private static int intersection(Set<JsonNode> a, Set<JsonNode> b) {
        Set<JsonNode> c = new HashSet<>(a);
        c.retainAll(b);
        return c.size();
    }
}
