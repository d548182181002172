package io.tetragonroutes.sink.kafka;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code tetragon-kafka:<topic>?brokers=RAW(kafka:9092)}: sends the events of an event batch to a Kafka topic, one
 * record each (see {@link KafkaSinkEndpoint} for the options). Used by {@code kamelets/kafka-sink.kamelet.yaml}.
 * <p>
 * Endpoints with the same client settings (the events and the alerts topic of one cluster) share one Kafka producer:
 * one set of connections, one producer id, one I/O thread.
 */
public class KafkaSinkComponent extends DefaultComponent {

    public static final String SCHEME = "tetragon-kafka";

    private final Map<Map<String, Object>, Shared> producers = new HashMap<>();

    private static final class Shared {
        final Producer<String, byte[]> producer;
        int users;

        Shared(Producer<String, byte[]> producer) {
            this.producer = producer;
        }
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        KafkaSinkEndpoint endpoint = new KafkaSinkEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        endpoint.validate();
        return endpoint;
    }

    /** The producer for these client settings, created on first use; give it back with {@link #release}. */
    synchronized Producer<String, byte[]> acquire(Map<String, Object> config) {
        Shared s = producers.get(config);
        if (s == null) {
            s = new Shared(new KafkaProducer<>(new HashMap<>(config), new StringSerializer(),
                    new ByteArraySerializer()));
            producers.put(Map.copyOf(config), s);
        }
        s.users++;
        return s.producer;
    }

    /** Closes the producer when its last endpoint stops, waiting for what it still has in flight. */
    synchronized void release(Map<String, Object> config, Duration wait) {
        Shared s = producers.get(config);
        if (s != null && --s.users == 0) {
            producers.remove(config);
            s.producer.close(wait);
        }
    }
}
