package io.tetragonroutes.sink.kafka;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code tetragon-kafka:<topic>?brokers=RAW(kafka:9092)}: sends the events of an event batch to a Kafka topic, one
 * record each (see {@link KafkaSinkEndpoint} for the options). Used by {@code kamelets/kafka-sink.kamelet.yaml}.
 * <p>
 * Endpoints with the same client settings (the events and the alerts topic of one cluster) share one Kafka producer:
 * one set of connections, one producer id, one I/O thread. It is created in the background as soon as the first
 * endpoint is created, while Camel is still building the routes: the client's classes load, its I/O thread connects
 * and gets a producer id, lz4's native codec loads, and metadata is fetched, all before the first batch comes.
 */
public class KafkaSinkComponent extends DefaultComponent {

    public static final String SCHEME = "tetragon-kafka";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSinkComponent.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final Map<Map<String, Object>, Shared> producers = new HashMap<>();

    /** One producer, the endpoints using it, and its creation: done once the client exists and the codec is loaded. */
    private static final class Shared {
        final Set<KafkaSinkEndpoint> users = new HashSet<>();
        CompletableFuture<Producer<String, byte[]>> ready;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        KafkaSinkEndpoint endpoint = new KafkaSinkEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        endpoint.validate();
        return endpoint;
    }

    /**
     * Makes {@code endpoint} a user of the producer for its settings, starting its creation if it is the first; again
     * is a no-op. Give it back with {@link #release}.
     */
    synchronized void acquire(KafkaSinkEndpoint endpoint) {
        Shared s = producers.computeIfAbsent(endpoint.clientConfig(), c -> new Shared());
        s.users.add(endpoint);
        create(s, endpoint.clientConfig(), endpoint.topic());
    }

    /**
     * The producer of a user: completes when it is created, or exceptionally if that failed (for example a bootstrap
     * name that does not resolve yet); after a failure, each call tries again.
     */
    synchronized CompletableFuture<Producer<String, byte[]>> producer(KafkaSinkEndpoint endpoint) {
        Shared s = producers.get(endpoint.clientConfig());
        if (s == null || !s.users.contains(endpoint)) {
            throw new IllegalStateException(endpoint.what() + " is not started");
        }
        return create(s, endpoint.clientConfig(), endpoint.topic());
    }

    private static CompletableFuture<Producer<String, byte[]>> create(Shared s, Map<String, Object> config,
                                                                     String topic) {
        if (s.ready != null && !s.ready.isCompletedExceptionally()) {
            return s.ready;
        }
        CompletableFuture<Producer<String, byte[]>> ready = new CompletableFuture<>();
        s.ready = ready;
        Thread t = new Thread(() -> {
            Producer<String, byte[]> p;
            try {
                // the I/O thread starts here: it loads the protocol's classes and connects while we go on
                p = new KafkaProducer<>(new HashMap<>(config), new StringSerializer(), new ByteArraySerializer());
            } catch (RuntimeException | LinkageError e) { // e.g. a bootstrap name DNS does not resolve yet
                LOG.warn("{}:{}: no Kafka producer yet ({}); trying again with the next batch", SCHEME, topic,
                        e.getMessage());
                ready.completeExceptionally(e);
                return;
            }
            try {
                if ("lz4".equals(config.get(ProducerConfig.COMPRESSION_TYPE_CONFIG))) {
                    Lz4Native.load(); // before the first record: lz4's first use fixes its implementation for good
                }
            } finally {
                ready.complete(p);
            }
            try {
                p.partitionsFor(topic); // connects, gets the producer id and the topic's leaders
            } catch (RuntimeException e) { // the first batch meets the same problem, and reports it
                LOG.debug("{}:{}: no metadata yet: {}", SCHEME, topic, e.toString());
            }
        }, "tetragon-kafka-connect");
        t.setDaemon(true);
        t.start();
        return ready;
    }

    /** Closes the producer when its last user gives it back, waiting for what it still has in flight. */
    synchronized void release(KafkaSinkEndpoint endpoint) {
        Shared s = producers.get(endpoint.clientConfig());
        if (s != null && s.users.remove(endpoint) && s.users.isEmpty()) {
            producers.remove(endpoint.clientConfig());
            close(s);
        }
    }

    /** A producer still being created has nothing in flight: it is closed at once, on the thread creating it. */
    private static void close(Shared s) {
        Duration wait = s.ready.isDone() ? CLOSE_WAIT : Duration.ZERO;
        s.ready.thenAccept(p -> p.close(wait));
    }

    /** Endpoints that were created but never started are not stopped one by one: their producers close here. */
    @Override
    protected synchronized void doStop() throws Exception {
        producers.values().forEach(KafkaSinkComponent::close);
        producers.clear();
        super.doStop();
    }
}
