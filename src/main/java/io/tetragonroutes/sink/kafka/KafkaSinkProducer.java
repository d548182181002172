package io.tetragonroutes.sink.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.sink.Delivery;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Sends a batch, one record per event, straight through the Kafka client (no Camel message per record), and returns
 * only when the broker has answered for every record: the tail's checkpoint never passes an event Kafka does not
 * have. A record Kafka refuses for itself (too large, invalid) becomes a dead letter ({@code kafka_rejected}) and is
 * never sent again; any other failure (broker down, timeout, credentials) fails the exchange, and the route's
 * redelivery resends only the records not yet acknowledged.
 * <p>
 * The producer is the endpoint's share of the component's, created in the background since the endpoint was
 * (see {@link KafkaSinkComponent}); the first batch waits only for what is not done yet. If it could not be created
 * (for example a bootstrap name that does not resolve yet), each batch tries again, backed off by the route's
 * redelivery.
 */
final class KafkaSinkProducer extends DefaultProducer {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSinkProducer.class);
    /** Beyond the client's own delivery timeout (120 s) and send blocking (60 s): only a client that hangs. */
    private static final long MAX_WAIT_SECONDS = 300;

    private final KafkaSinkEndpoint endpoint;
    private final ObjectMapper mapper = new ObjectMapper();

    KafkaSinkProducer(KafkaSinkEndpoint endpoint) {
        super(endpoint);
        this.endpoint = endpoint;
    }

    /** The endpoint's shared producer: waits while it is being created, tries again if creating it failed. */
    private Producer<String, byte[]> producer() throws Exception {
        try {
            return endpoint.producer().get(MAX_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) { // the route's redelivery backs off and comes back here
            throw new KafkaException(endpoint.what() + ": no Kafka producer: " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        if (!endpoint.isEnabled()) {
            throw new IllegalStateException(endpoint.what() + " is off: set tetragon.sink.kafka.brokers");
        }
        Producer<String, byte[]> p = producer();
        List<TetragonEvent> events = exchange.getMessage().getMandatoryBody(EventBatch.class).list();
        Delivery delivery = Delivery.of(exchange, endpoint.getEndpointUri());
        KafkaRecords records = new KafkaRecords(mapper);
        Acks acks = new Acks(events.size());
        for (int i = delivery.nextPending(0); i < events.size(); i = delivery.nextPending(i + 1)) {
            int index = i;
            ProducerRecord<String, byte[]> record = records.record(endpoint.topic(), events.get(i));
            acks.sending();
            try {
                p.send(record, (metadata, e) -> acks.completed(index, e));
            } catch (KafkaException | IllegalStateException e) { // closed, fenced, or a serializer's error
                acks.completed(index, e);
            }
            if (acks.error(i) instanceof TimeoutException) {
                break; // no metadata within max.block.ms: every further send would wait as long
            }
        }
        // The whole batch is in the client and we wait for all of it anyway: send the partly filled producer batches
        // now instead of after linger.ms, which the pipeline thread would otherwise spend idle on every batch.
        p.flush();
        if (!acks.await(MAX_WAIT_SECONDS)) {
            throw new TimeoutException(endpoint.what() + ": no answer from the Kafka client in " + MAX_WAIT_SECONDS + " s");
        }
        Exception failure = null;
        int failed = 0;
        for (int i = delivery.nextPending(0); i < events.size(); i = delivery.nextPending(i + 1)) {
            if (!acks.answered(i)) {
                failed++;
                continue;
            }
            Exception e = acks.error(i);
            if (e == null) {
                delivery.accepted(i, i + 1);
            } else if (refused(e)) {
                reject(delivery, i, events.get(i), e);
            } else {
                failure = failure == null ? e : failure;
                failed++;
            }
        }
        if (failed > 0) {
            throw new KafkaException(endpoint.what() + ": " + failed + " of " + events.size()
                    + " records not acknowledged; resending those", failure);
        }
        delivery.finish();
    }

    /** Errors about the record itself: sending it again cannot help. */
    private static boolean refused(Exception e) {
        return e instanceof RecordTooLargeException || e instanceof RecordBatchTooLargeException
                || e instanceof InvalidRecordException;
    }

    private void reject(Delivery delivery, int i, TetragonEvent e, Exception why) {
        LOG.warn("Kafka refused a record for {} ({}): dead-lettered", endpoint.what(), why.toString());
        delivery.rejected(i, e.deadLetter("kafka_rejected", why + " (topic " + endpoint.topic() + ")"));
    }

    /**
     * The answers for one batch, written by the Kafka client's I/O thread (or the sender, for a failed send). Also
     * the bench's {@code KafkaFloor}, so that its records are answered the way the sink's are.
     */
    static final class Acks {
        private final Exception[] errors;
        private final boolean[] answered;
        private int outstanding;

        Acks(int size) {
            errors = new Exception[size];
            answered = new boolean[size];
        }

        synchronized void sending() {
            outstanding++;
        }

        synchronized void completed(int i, Exception e) {
            if (!answered[i]) {
                answered[i] = true;
                errors[i] = e;
                if (--outstanding == 0) {
                    notifyAll();
                }
            }
        }

        synchronized boolean answered(int i) {
            return answered[i];
        }

        synchronized Exception error(int i) {
            return errors[i];
        }

        synchronized boolean await(long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (outstanding > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }
}
