package io.tetragonroutes.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventId;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.sink.kafka.KafkaRecords;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The hub keeps the id the node agent gave each event (its record's {@code tetragon-id} header): the record's bytes
 * carry the agent's additions, so hashing them would give another id and Elasticsearch a second document.
 */
class KafkaEventBatchIdTest {

    @Test
    void theNodesIdTravelsWithTheRecord() throws Exception {
        String line = Samples.lines("events/process_exec.jsonl").get(0);
        String enriched = line.substring(0, line.lastIndexOf('}')) + ",\"kubernetes\":{\"node\":{\"name\":\"n\"}}}";
        byte[] raw = line.getBytes(StandardCharsets.UTF_8);
        String nodeId = EventId.of(raw, 0, raw.length);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            List<Exchange> records = new ArrayList<>();
            for (int p = 0; p < 2; p++) { // the same offset in two partitions: ids are kept apart by partition
                Exchange r = new DefaultExchange(camel);
                r.getMessage().setBody(enriched.getBytes(StandardCharsets.UTF_8));
                r.getMessage().setHeader(KafkaConstants.TOPIC, "tetragon.events");
                r.getMessage().setHeader(KafkaConstants.PARTITION, p);
                r.getMessage().setHeader(KafkaConstants.OFFSET, 5L);
                if (p == 0) {
                    r.getMessage().setHeader(KafkaRecords.ID_HEADER, nodeId.getBytes(StandardCharsets.US_ASCII));
                }
                records.add(r);
            }
            Exchange batch = new DefaultExchange(camel);
            batch.getMessage().setBody(records);
            new KafkaEventBatch(new EventParser(new ObjectMapper(), new SimpleMeterRegistry()), "tetragon.alerts")
                    .process(batch);
            EventBatch events = batch.getMessage().getBody(EventBatch.class);
            assertEquals(nodeId, events.list().get(0).id(), "the node's id, from the header");
            byte[] e = enriched.getBytes(StandardCharsets.UTF_8);
            assertEquals(EventId.of(e, 0, e.length), events.list().get(1).id(),
                    "a record without the header (an older agent): the hash of its bytes");
        }
    }
}
