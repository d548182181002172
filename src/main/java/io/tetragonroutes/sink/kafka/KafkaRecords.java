package io.tetragonroutes.sink.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.event.JsonBuffer;
import io.tetragonroutes.event.TetragonEvent;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Kafka record per event: the value is the event's JSON (original bytes plus added fields, as the file sink
 * writes it), the key keeps one pod's events in order on one partition (enrichment's pod uid, else Tetragon's pod
 * uid, else namespace/name, else the node), and headers carry the event type, node and rule severity so consumers
 * can route without parsing. Not thread-safe (one reusable buffer): one per batch being sent.
 */
public final class KafkaRecords {

    public static final String TYPE_HEADER = "tetragon-type";
    public static final String NODE_HEADER = "tetragon-node";
    public static final String SEVERITY_HEADER = "tetragon-severity";
    /** The event's stable id ({@link TetragonEvent#id()}), so consumers, and the hub, can de-duplicate. */
    public static final String ID_HEADER = "tetragon-id";

    /** Header values that repeat on every record (a handful of event types and severities, one node): encoded once. */
    private static final ConcurrentHashMap<String, Header> TYPES = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, Header> SEVERITIES = new ConcurrentHashMap<>();

    private final ObjectMapper mapper;
    private final JsonBuffer out = new JsonBuffer(4096);
    private String lastNode;
    private Header lastNodeHeader;

    KafkaRecords(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    ProducerRecord<String, byte[]> record(String topic, TetragonEvent e) throws IOException {
        out.reset();
        e.writeJson(out, mapper);
        Header[] headers = new Header[4];
        int n = 0;
        headers[n++] = new RecordHeader(ID_HEADER, e.id().getBytes(StandardCharsets.US_ASCII));
        headers[n++] = TYPES.computeIfAbsent(e.typeKey(), t -> header(TYPE_HEADER, t));
        String node = e.nodeName();
        if (node != null) {
            if (!node.equals(lastNode)) { // a DaemonSet's events all come from its own node
                lastNodeHeader = header(NODE_HEADER, node);
                lastNode = node;
            }
            headers[n++] = lastNodeHeader;
        }
        if (e.hasExtras()) {
            String severity = e.extras().path("rule").path("severity").asText(null);
            if (severity != null) {
                headers[n++] = SEVERITIES.size() < 64 ? SEVERITIES.computeIfAbsent(severity,
                        s -> header(SEVERITY_HEADER, s)) : header(SEVERITY_HEADER, severity);
            }
        }
        return new ProducerRecord<>(topic, null, key(e), out.toByteArray(), new RecordHeaders(
                n == headers.length ? headers : Arrays.copyOf(headers, n)));
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
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
