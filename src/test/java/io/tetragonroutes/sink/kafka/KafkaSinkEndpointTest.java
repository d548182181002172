package io.tetragonroutes.sink.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the tetragon-kafka endpoint does at start-up with bad, absent or not yet reachable settings, and when a batch
 * goes to the broker.
 */
class KafkaSinkEndpointTest {

    private final CamelContext camel = new DefaultCamelContext();

    @AfterEach
    void stop() throws Exception {
        camel.close();
    }

    @Test
    void aBadOptionFailsWhenTheRouteFileIsLoaded() {
        camel.start();
        var e = assertThrows(ResolveEndpointFailedException.class,
                () -> camel.getEndpoint("tetragon-kafka:events?brokers=k:9092&compression=brotli"));
        assertTrue(e.getMessage().contains("compression is one of"), e.getMessage());
    }

    @Test
    void aSinkThatIsOffStartsAndRefusesToSend() throws Exception {
        camel.start();
        try (ProducerTemplate t = camel.createProducerTemplate()) {
            var e = assertThrows(CamelExecutionException.class, () -> t.sendBody(
                    "tetragon-kafka:events?brokers=off", new EventBatch(List.of(), List.of())));
            assertTrue(e.getCause().getMessage().contains("set tetragon.sink.kafka.brokers"), e.getMessage());
        }
    }

    @Test
    void aBrokerNameThatDoesNotResolveYetDoesNotStopTheStartButFailsTheBatch() throws Exception {
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:in").to("tetragon-kafka:events?brokers=RAW(no-such-broker.invalid:9092)");
            }
        });
        camel.start(); // starts the route's producer: it would throw here if creating the Kafka producer did
        assertTrue(camel.getRouteController().getRouteStatus(camel.getRoutes().get(0).getRouteId()).isStarted());
        try (ProducerTemplate t = camel.createProducerTemplate()) {
            var e = assertThrows(CamelExecutionException.class,
                    () -> t.sendBody("direct:in", new EventBatch(List.of(), List.of())));
            assertInstanceOf(KafkaException.class, e.getCause(), "a failed batch, retried by the route's redelivery");
        }
    }

    @Test
    void theProducerConnectsAsSoonAsTheEndpointExistsBeforeAnyRouteStarts() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start()) {
            // Camel creates (and initialises) endpoints while it builds the routes, well before they start
            KafkaSinkEndpoint endpoint = (KafkaSinkEndpoint) camel.getEndpoint(
                    "tetragon-kafka:early?brokers=RAW(" + kafka.bootstrapServers() + ")");
            assertFalse(camel.isStarted());
            Producer<String, byte[]> producer = endpoint.producer().get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(60)).until(() -> metric(producer, "connection-count") >= 1);
            // the same producer for an endpoint with the same client settings (the alerts topic): one connection set
            KafkaSinkEndpoint alerts = (KafkaSinkEndpoint) camel.getEndpoint(
                    "tetragon-kafka:early-alerts?brokers=RAW(" + kafka.bootstrapServers() + ")");
            assertSame(producer, alerts.producer().get(60, TimeUnit.SECONDS));
            camel.stop(); // endpoints that never started: the component closes their producer
            assertThrows(IllegalStateException.class, () -> producer.send(new ProducerRecord<>("early", new byte[1])));
        }
    }

    @Test
    void aBatchIsAcknowledgedWithoutWaitingForLinger() throws Exception {
        List<String> lines = Samples.lines("events/process_exec.jsonl");
        EventBatch batch = new EventParser(new ObjectMapper(), new SimpleMeterRegistry())
                .parse(Samples.batch("tetragon.log", lines));
        try (KafkaBroker kafka = KafkaBroker.start()) {
            String topic = "linger-" + UUID.randomUUID();
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    // a producer that would hold a partly filled batch for 10 minutes
                    from("direct:in").to("tetragon-kafka:" + topic + "?lingerMs=600000&brokers=RAW("
                            + kafka.bootstrapServers() + ")");
                }
            });
            camel.start();
            try (ProducerTemplate t = camel.createProducerTemplate()) {
                // the sink sends the batch at once when all of it is in the client: well inside the linger
                assertTimeoutPreemptively(Duration.ofSeconds(90), () -> t.sendBody("direct:in", batch));
            }
            assertEquals(lines.size(), kafka.read(topic, lines.size(), Duration.ofSeconds(30)).size());
        }
    }

    private static double metric(Producer<String, byte[]> producer, String name) {
        return producer.metrics().entrySet().stream()
                .filter(m -> m.getKey().group().equals("producer-metrics") && m.getKey().name().equals(name))
                .mapToDouble(m -> ((Number) m.getValue().metricValue()).doubleValue())
                .findFirst().orElse(0);
    }
}
