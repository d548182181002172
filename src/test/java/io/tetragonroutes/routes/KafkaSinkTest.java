package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.Samples;
import io.tetragonroutes.sink.kafka.KafkaRecords;
import io.tetragonroutes.sink.kafka.KafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped routes with tetragon.sink.kafka.brokers set: events and alerts reach a real Kafka broker. */
@Timeout(180)
class KafkaSinkTest extends KitRoutesTestSupport {

    private static KafkaBroker kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaBroker.start();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Each test its own topics on the shared broker. */
    private final String topic = "events-" + UUID.randomUUID();
    private final String alertsTopic = "alerts-" + UUID.randomUUID();

    @Override
    protected void properties(Properties p) {
        p.put("tetragon.sink.kafka.brokers", kafka.bootstrapServers());
        p.put("tetragon.sink.kafka.topic", topic);
        p.put("tetragon.sink.kafka.alerts-topic", alertsTopic);
        p.put("tetragon.export.batch-size", "10"); // several batches, several produce calls
        p.put("tetragon.export.max-line-bytes", String.valueOf(4 << 20)); // the tail keeps a 2 MB line
    }

    @Test
    void everyEventReachesTheEventsTopicExactlyAsTheFileSinkWroteIt() throws Exception {
        List<String> lines = Samples.lines("events/process_exec.jsonl", "events/process_kprobe.jsonl",
                "events/process_exit.jsonl", "events/rate_limit_info.jsonl");
        Files.createDirectories(export.getParent());
        Files.write(export, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(60)).until(() -> lineCount(data.resolve("out/events.ndjson")) >= lines.size());
        List<String> files = Files.readAllLines(data.resolve("out/events.ndjson"));
        List<ConsumerRecord<String, byte[]>> records = kafka.read(topic, lines.size(), Duration.ofSeconds(60));
        assertEquals(lines.size(), records.size(), "one record per event, none lost, none twice");
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, byte[]> r = records.get(i);
            // one partition (auto-created topic): the order is the export's order
            assertEquals(files.get(i), new String(r.value(), StandardCharsets.UTF_8), "record " + i);
            JsonNode event = mapper.readTree(r.value());
            String type = event.fieldNames().next();
            assertEquals(type, header(r, KafkaRecords.TYPE_HEADER));
            JsonNode pod = event.path(type).path("process").path("pod");
            String expectedKey = pod.hasNonNull("uid") ? pod.get("uid").asText()
                    : pod.hasNonNull("namespace") ? pod.get("namespace").asText() + "/" + pod.get("name").asText()
                    : event.hasNonNull("node_name") ? event.get("node_name").asText() : type;
            assertEquals(expectedKey, r.key(), "record " + i);
            if (event.has("node_name")) {
                assertEquals(event.get("node_name").asText(), header(r, KafkaRecords.NODE_HEADER));
            }
            if (event.has("rule")) {
                assertEquals(event.path("rule").path("severity").asText(), header(r, KafkaRecords.SEVERITY_HEADER));
            }
        }
        List<String> alerts = Files.readAllLines(data.resolve("out/alerts.ndjson"));
        List<ConsumerRecord<String, byte[]>> alertRecords = kafka.read(alertsTopic, alerts.size(), Duration.ofSeconds(30));
        assertTrue(!alerts.isEmpty());
        assertEquals(alerts, alertRecords.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList());
        assertEquals(lines.size(), registry.counter("tetragon.sink.events", "sink", "kafka", "output", "all").count());
    }

    @Test
    void aRecordKafkaRefusesIsDeadLetteredWithTheReasonAndTheOthersAreDelivered() throws Exception {
        List<String> lines = new ArrayList<>(Samples.lines("events/process_exec.jsonl").subList(0, 6));
        // a 2 MB argument list: above the producer's max.request.size (1 MB), refused before it is sent
        ObjectNode huge = (ObjectNode) mapper.readTree(lines.get(2));
        ((ObjectNode) huge.path("process_exec").path("process")).put("arguments", "x".repeat(2 << 20));
        lines.set(2, mapper.writeValueAsString(huge));
        Files.createDirectories(export.getParent());
        Files.write(export, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));

        Path deadLetters = data.resolve("dead-letter/dead-letter.ndjson");
        await().atMost(Duration.ofSeconds(60)).until(() -> lineCount(deadLetters) >= 1);
        JsonNode dead = mapper.readTree(Files.readAllLines(deadLetters).get(0));
        assertEquals("kafka_rejected", dead.path("reason").asText());
        assertTrue(dead.path("detail").asText().contains("RecordTooLargeException"), dead.path("detail").asText());
        assertEquals(lines.get(2), dead.path("line").asText(), "the original line, whole");

        List<ConsumerRecord<String, byte[]>> records = kafka.read(topic, 5, Duration.ofSeconds(60));
        List<String> files = Files.readAllLines(data.resolve("out/events.ndjson"));
        files.remove(2); // the file sink took the big one
        assertEquals(files, records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList(),
                "the other five, in order");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                registry.counter("tetragon.sink.events", "sink", "kafka", "output", "all").count() == 5);
        assertEquals(1, lineCount(deadLetters), "dead-lettered once, never resent");
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        assertNotNull(h, name + " header");
        return new String(h.value(), StandardCharsets.UTF_8);
    }
}
