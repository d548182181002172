package io.tetragonroutes.hub;

import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.sink.kafka.KafkaRecords;
import io.tetragonroutes.tail.LineBatch;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.kafka.KafkaConstants;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The hub's first step: a batch of Kafka records (the node agents' {@code kafka-sink} output) becomes the same
 * {@link EventBatch} the tail produces, so the hub reuses every output route and sink. Each record is parsed as
 * one line; its "file" is {@code kafka:<topic>/<partition>} and its offset the record offset, so a dead letter
 * says where it came from. Records from the alerts topic go to the {@code alerts} output only (the node also sent
 * them to the events topic); the rules ran on the node, so their {@code rule} fields are already in the events.
 */
public final class KafkaEventBatch implements Processor {

    private final EventParser parser;
    /** The source prefix of alerts-topic records, {@code kafka:<alerts topic>/}. */
    private final String alertsSource;

    public KafkaEventBatch(EventParser parser, String alertsTopic) {
        this.parser = parser;
        this.alertsSource = source(alertsTopic, "");
    }

    @Override
    public void process(Exchange exchange) {
        List<?> records = exchange.getMessage().getBody(List.class);
        LineBatch.Builder lines = LineBatch.builder();
        Map<String, String> ids = new HashMap<>(); // by where the record was: source and offset
        for (Object o : records == null ? List.of() : records) {
            Message m = ((Exchange) o).getMessage();
            byte[] value = m.getBody(byte[].class);
            Long offset = m.getHeader(KafkaConstants.OFFSET, Long.class);
            byte[] v = value == null ? new byte[0] : value;
            String source = source(m.getHeader(KafkaConstants.TOPIC, String.class),
                    m.getHeader(KafkaConstants.PARTITION, Integer.class));
            lines.add(v, 0, v.length, source, offset == null ? -1 : offset);
            String id = headerText(m.getHeader(KafkaRecords.ID_HEADER));
            if (id != null) {
                ids.put(source + "@" + offset, id);
            }
        }
        EventBatch batch = parser.parse(lines.build(), exchange.getContext());
        for (TetragonEvent e : batch.list()) {
            String id = ids.isEmpty() ? null : ids.get(e.sourceFile() + "@" + e.sourceOffset());
            if (id != null) {
                e.id(id); // the record's bytes carry the node's additions: its id is the node's, of the raw line
            }
            if (e.sourceFile().startsWith(alertsSource)) {
                e.routeTo("alerts");
                e.drop(); // the node sent it to the events topic as well: it reaches `all` from there
            }
        }
        exchange.setProperty(KafkaBatchCommit.HUB_RECORDS, records);
        exchange.getMessage().setBody(batch);
    }

    /** A Kafka header as Camel gives it (the raw bytes), as text. */
    private static String headerText(Object h) {
        if (h instanceof byte[] b) {
            return new String(b, StandardCharsets.US_ASCII);
        }
        return h == null ? null : h.toString();
    }

    private static String source(String topic, Object partition) {
        return "kafka:" + topic + "/" + partition;
    }
}
