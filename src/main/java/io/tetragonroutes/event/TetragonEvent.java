package io.tetragonroutes.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tetragonroutes.tail.Line;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * One Tetragon event: the parsed tree (read-only by convention), the exact bytes it was parsed from, and the fields
 * later steps add beside Tetragon's own ({@code rule}, {@code kubernetes}, ...). Serializing an event with no
 * additions writes the original bytes; with additions, the original object is extended without re-encoding it.
 */
public final class TetragonEvent {

    private final ObjectNode root;
    private final EventType type;
    private final String typeKey;
    private final JsonNode body;
    private final Line line;
    private ObjectNode extras;
    private List<String> outputs;
    private boolean dropped;

    private TetragonEvent(ObjectNode root, EventType type, String typeKey, JsonNode body, Line line) {
        this.root = root;
        this.type = type;
        this.typeKey = typeKey;
        this.body = body;
        this.line = line;
    }

    static TetragonEvent of(ObjectNode root, Line line) {
        Iterator<Map.Entry<String, JsonNode>> it = root.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            EventType t = EventType.ofKey(e.getKey());
            if (t != null) {
                return new TetragonEvent(root, t, e.getKey(), e.getValue(), line);
            }
        }
        return new TetragonEvent(root, EventType.UNKNOWN, "unknown", MissingNode.getInstance(), line);
    }

    public EventType type() {
        return type;
    }

    /** The event key as written ({@code process_exec}, or a future type's own key). */
    public String typeKey() {
        return typeKey;
    }

    /** The event key as a JSON string value (for rules on {@code type}). */
    public JsonNode typeNode() {
        return type == EventType.UNKNOWN ? TextNode.valueOf(typeKey) : type.keyNode();
    }

    /** The whole line as parsed. Do not modify it: add fields with {@link #extras}. */
    public ObjectNode root() {
        return root;
    }

    /** The object under the event key ({@code root.process_kprobe}). */
    public JsonNode body() {
        return body;
    }

    public String nodeName() {
        return text(root.get("node_name"));
    }

    public String time() {
        return text(root.get("time"));
    }

    public JsonNode process() {
        return body.path("process");
    }

    public JsonNode parent() {
        return body.path("parent");
    }

    public String binary() {
        return text(process().get("binary"));
    }

    /** Namespace of the pod the process runs in; null for host processes. */
    public String podNamespace() {
        return text(process().path("pod").get("namespace"));
    }

    public String podName() {
        return text(process().path("pod").get("name"));
    }

    /**
     * "Where and what" for de-duplication: pod (namespace/name, {@code null/null} on the host) and binary. The same
     * rule on the same key is one alert per window (rules) and one repeat series (webhook).
     */
    public String podBinaryKey() {
        return podNamespace() + '/' + podName() + '\u0000' + binary();
    }

    /** Kernel function of a kprobe/lsm event, null otherwise. */
    public String functionName() {
        return text(body.get("function_name"));
    }

    public String policyName() {
        return text(body.get("policy_name"));
    }

    /** The line exactly as Tetragon wrote it (without the newline). */
    public String originalText() {
        return line.text();
    }

    /** The file the line came from and its offset there. */
    public String sourceFile() {
        return line.file();
    }

    public long sourceOffset() {
        return line.offset();
    }

    /** Fields added beside Tetragon's own, created on first use. */
    public ObjectNode extras() {
        if (extras == null) {
            extras = root.objectNode();
        }
        return extras;
    }

    public boolean hasExtras() {
        return extras != null && !extras.isEmpty();
    }

    /** Routes this event to a named output in addition to {@code all}. */
    public void routeTo(String output) {
        if (outputs == null) {
            outputs = new ArrayList<>(2);
        }
        if (!outputs.contains(output)) {
            outputs.add(output);
        }
    }

    /** Keeps the event out of {@code all} (noise suppression); outputs a rule named explicitly still get it. */
    public void drop() {
        dropped = true;
    }

    public boolean isDropped() {
        return dropped;
    }

    public boolean routedTo(String output) {
        if ("all".equals(output)) {
            return !dropped;
        }
        return outputs != null && outputs.contains(output);
    }

    /** The rule message added by a rule, if any (for log lines). */
    public String ruleMessage() {
        return extras == null ? null : text(extras.path("rule").get("message"));
    }

    /** Writes the event as one JSON object (no newline): the original bytes plus any added fields. */
    public void writeJson(ByteArrayOutputStream out, ObjectMapper mapper) throws IOException {
        if (!hasExtras()) {
            out.write(line.buf(), line.off(), line.len());
            return;
        }
        Iterator<String> names = extras.fieldNames();
        while (names.hasNext()) {
            if (root.has(names.next())) { // would duplicate a key: merge in a copy instead
                ObjectNode merged = root.deepCopy();
                merged.setAll(extras);
                mapper.writeValue(out, merged);
                return;
            }
        }
        int end = line.off() + line.len();
        while (end > line.off() && line.buf()[end - 1] != '}') {
            end--; // trailing whitespace or \r
        }
        out.write(line.buf(), line.off(), end - 1 - line.off());
        byte[] add = mapper.writeValueAsBytes(extras); // {"rule":{...}}: splice its inside before our '}'
        if (!root.isEmpty()) {
            out.write(',');
        }
        out.write(add, 1, add.length - 1);
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? null : n.asText();
    }
}
