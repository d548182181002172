package io.tetragonroutes.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.JsonBuffer;
import io.tetragonroutes.event.TetragonEvent;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a batch of events into one Kafka record each, for the Kafka producer's batch mode
 * ({@code batchWithIndividualHeaders=true}): the value is the event's JSON (original bytes plus added fields),
 * the key keeps one pod's events in order on one partition (enrichment's pod uid, else Tetragon's pod uid, else
 * namespace/name, else the node), and headers carry the event type, node and rule severity so consumers can
 * route without parsing.
 */
public final class KafkaRecords implements Processor {

    public static final String TYPE_HEADER = "tetragon-type";
    public static final String NODE_HEADER = "tetragon-node";
    public static final String SEVERITY_HEADER = "tetragon-severity";

    private final ObjectMapper mapper;

    public KafkaRecords(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        EventBatch batch = exchange.getMessage().getMandatoryBody(EventBatch.class);
        List<Message> records = new ArrayList<>(batch.size());
        JsonBuffer out = new JsonBuffer(4096);
        for (TetragonEvent e : batch.getEvents()) {
            out.reset();
            e.writeJson(out, mapper);
            Message m = new RecordMessage(exchange.getContext());
            m.setBody(out.toByteArray());
            m.setHeader(KafkaConstants.KEY, key(e));
            m.setHeader(TYPE_HEADER, e.typeKey());
            if (e.nodeName() != null) {
                m.setHeader(NODE_HEADER, e.nodeName());
            }
            if (e.hasExtras()) {
                String severity = e.extras().path("rule").path("severity").asText(null);
                if (severity != null) {
                    m.setHeader(SEVERITY_HEADER, severity);
                }
            }
            records.add(m);
        }
        exchange.getMessage().setBody(records);
        exchange.getMessage().setHeader(NdjsonFormatter.COUNT, records.size());
    }

    /**
     * One record's message. Its few headers, set here and read by camel-kafka under the same exact names, live in
     * a plain hash map instead of Camel's case-insensitive tree map: the Kafka producer reads and filters them once
     * per record, a thousand times per batch.
     */
    private static final class RecordMessage extends DefaultMessage {
        RecordMessage(CamelContext context) {
            super(context);
        }

        @Override
        protected Map<String, Object> createHeaders() {
            return new HashMap<>(8);
        }
    }

    /** Pod uid (enrichment, then Tetragon's), pod namespace/name, node name, or the event type for none. */
    static String key(TetragonEvent e) {
        String enriched = e.sharedId("kubernetes"); // the pod uid kept beside the shared tree: no walk
        if (enriched != null) {
            return enriched;
        }
        if (e.hasExtras()) {
            JsonNode uid = e.extras().path("kubernetes").path("pod").get("uid");
            if (uid != null && uid.isTextual()) {
                return uid.textValue();
            }
        }
        String podUid = e.podUid();
        if (podUid != null) {
            return podUid;
        }
        if (e.podNamespace() != null) {
            return e.podNamespace() + "/" + e.podName();
        }
        return e.nodeName() != null ? e.nodeName() : e.typeKey();
    }
}
