package io.tetragonroutes.sink.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * A real single-node KRaft Kafka cluster on loopback, plus a consumer that reads a topic back from the beginning.
 * {@link #start()} runs it in this JVM (Kafka's own KafkaClusterTestKit); {@link ForkedKafkaBroker} runs it as a
 * separate process on fixed ports, so it can be killed and restarted under a running producer.
 */
public abstract class KafkaBroker implements AutoCloseable {

    /** A broker in this JVM, on ephemeral ports. */
    public static KafkaBroker start() throws Exception {
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1)
                .setBootstrapMetadataVersion(MetadataVersion.latestProduction()).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("auto.create.topics.enable", "true")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new KafkaBroker() {
            @Override
            public String bootstrapServers() {
                return cluster.bootstrapServers();
            }

            @Override
            public void close() throws Exception {
                cluster.close();
            }
        };
    }

    public abstract String bootstrapServers();

    /** Reads {@code topic} from the beginning until {@code count} records arrived (or {@code timeout} passed). */
    public List<ConsumerRecord<String, byte[]>> read(String topic, int count, Duration timeout) {
        return readUntil(topic, r -> r.size() >= count, timeout);
    }

    /** Reads {@code topic} from the beginning until {@code done} holds for what arrived (or {@code timeout} passed). */
    public List<ConsumerRecord<String, byte[]>> readUntil(String topic,
            java.util.function.Predicate<List<ConsumerRecord<String, byte[]>>> done, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(out) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
