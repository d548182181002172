package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.tetragonroutes.Samples;
import io.tetragonroutes.sink.kafka.KafkaBroker;
import io.tetragonroutes.sink.webhook.WebhookReceiver;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub route against a real broker: it consumes what node agents produced to both topics as a consumer group,
 * feeds the same outputs and sinks, and commits offsets only once every output accepted the batch.
 */
@Timeout(180)
class HubTest extends KitRoutesTestSupport {

    private static KafkaBroker kafka;
    private static WebhookReceiver receiver;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start();
        receiver = WebhookReceiver.http();
    }

    @AfterAll
    static void stop() throws Exception {
        receiver.close();
        kafka.close();
    }

    @Override
    protected void properties(Properties p) {
        p.put("tetragon.export.enabled", "false");
        p.put("tetragon.hub.enabled", "true");
        p.put("tetragon.hub.brokers", kafka.bootstrapServers());
        p.put("tetragon.sink.webhook.url", receiver.url("/alerts"));
    }

    @Test
    void consumesBothTopicsFeedsTheOutputsAndCommitsOnlyAfterTheSinksAccepted() throws Exception {
        receiver.failFor(Duration.ofSeconds(6), 503); // the alerts' webhook is down at first
        List<String> events = new ArrayList<>(Samples.lines("events/process_exec.jsonl"));
        events.add("{\"process_exec\":{\"process\":"); // a broken record: dead-lettered with its topic and offset
        List<String> alerts = Samples.lines("events/process_throttle.jsonl");
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp, new StringSerializer(), new ByteArraySerializer())) {
            for (String e : events) {
                producer.send(new ProducerRecord<>("tetragon.events", "node-a", e.getBytes(StandardCharsets.UTF_8)));
            }
            for (String a : alerts) {
                producer.send(new ProducerRecord<>("tetragon.alerts", "node-a", a.getBytes(StandardCharsets.UTF_8)));
            }
        }
        // while the webhook is down the batch waits and nothing is committed
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().size() >= 2);
        assertNull(committed().get(new TopicPartition("tetragon.events", 0)), "no commit before every sink accepted");

        await().atMost(Duration.ofSeconds(60)).until(() -> committed().size() == 2
                && committed().get(new TopicPartition("tetragon.events", 0)).offset() == events.size()
                && committed().get(new TopicPartition("tetragon.alerts", 0)).offset() == alerts.size());
        assertEquals(events.subList(0, events.size() - 1), Files.readAllLines(data.resolve("out/events.ndjson")));
        assertEquals(alerts, Files.readAllLines(data.resolve("out/alerts.ndjson")));
        assertTrue(receiver.requests().stream().filter(r -> r.status() == 200).count() >= alerts.size());
        JsonNode dead = mapper.readTree(Files.readAllLines(data.resolve("dead-letter/dead-letter.ndjson")).get(0));
        assertEquals("truncated_json", dead.path("reason").asText());
        assertEquals("kafka:tetragon.events/0", dead.path("file").asText());
        assertEquals(events.size() - 1, dead.path("offset").asLong());
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed() throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets("tetragon-hub")
                    .partitionsToOffsetAndMetadata().get();
            m.values().removeIf(java.util.Objects::isNull);
            return m;
        }
    }
}
