package io.tetragonroutes.event;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.tail.Line;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Tetragon event: the exact bytes it was read from, a tree of the fields the hot path reads
 * ({@link FieldDemand}), the full tree on demand, and the fields later steps add beside Tetragon's own
 * ({@code rule}, {@code kubernetes}, ...). Serializing an event with no additions writes the original bytes; with
 * additions, the original object is extended without re-encoding it.
 */
public final class TetragonEvent {

    private final ObjectNode view;
    private final int viewVersion;
    private final String[] topNames;
    private final EventType type;
    private final String typeKey;
    /** The member holding the event, or null when the line has none. */
    private final String bodyKey;
    private final Line line;
    private final ObjectReader reader;
    private volatile ObjectNode full;
    private ObjectNode extras;
    /** An added member whose value is pre-encoded (written as bytes, not serialized per event). */
    private String sharedName;
    private SharedJson shared;
    private List<String> outputs;
    private boolean dropped;
    /** Values a step computed from the event and keeps for its other readers, by {@link #derivedSlot()}. */
    private Object[] derived;
    private static final java.util.concurrent.atomic.AtomicInteger SLOTS = new java.util.concurrent.atomic.AtomicInteger();
    /** {@link EventId} of the line, made when first asked for, or the one a node agent sent with it. */
    private String id;
    /** {@code process} and {@code process.pod} of the view, looked up once: several steps read them. */
    private final JsonNode viewProcess;
    private final JsonNode viewPod;
    /**
     * What enrichment and the Kafka sink read from every event, read when the parser has just built the tree: a
     * step later, after the rest of the batch was parsed, the tree is no longer in the CPU's caches.
     */
    private final String nodeName;
    private final String docker;
    private final String podNamespace;
    private final String podName;
    private final String containerId;

    /** From the streaming parser: {@code view} holds what demand {@code viewVersion} asked for. */
    TetragonEvent(ObjectNode view, int viewVersion, String[] topNames, EventType type, String bodyKey, Line line,
                  ObjectReader reader) {
        this.view = view;
        this.viewVersion = viewVersion;
        this.topNames = topNames;
        this.type = type;
        this.bodyKey = bodyKey;
        this.typeKey = bodyKey == null ? "unknown" : bodyKey;
        this.line = line;
        this.reader = reader;
        this.viewProcess = viewBody().path("process");
        this.viewPod = viewProcess.path("pod");
        this.nodeName = text(view.get("node_name"));
        this.docker = text(viewProcess.get("docker"));
        this.podNamespace = text(viewPod.get("namespace"));
        this.podName = text(viewPod.get("name"));
        this.containerId = text(viewPod.path("container").get("id"));
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

    /**
     * The whole line as a tree, parsed on first use (the line was validated when it was read). Do not modify it:
     * add fields with {@link #extras}.
     */
    public ObjectNode root() {
        ObjectNode r = full;
        if (r == null) {
            try {
                r = (ObjectNode) reader.readTree(line.buf(), line.off(), line.len());
            } catch (IOException e) {
                throw new UncheckedIOException("a line that parsed before does not parse now", e);
            }
            full = r;
        }
        return r;
    }

    /**
     * The tree to read a path from that was registered at demand version {@code version}: the partial tree if it
     * has that path, else the full one.
     */
    public ObjectNode tree(int version) {
        return version <= viewVersion ? view : root();
    }

    /** {@link #body()} of {@link #tree(int)}. */
    public JsonNode body(int version) {
        return bodyKey == null ? MissingNode.getInstance() : tree(version).path(bodyKey);
    }

    /** The object under the event key ({@code root.process_kprobe}), from the full tree. */
    public JsonNode body() {
        return body(Integer.MAX_VALUE);
    }

    private JsonNode viewBody() {
        return body(0);
    }

    /** Whether the line has this top-level member. */
    public boolean has(String topLevelName) {
        for (String n : topNames) {
            if (n.equals(topLevelName)) {
                return true;
            }
        }
        return false;
    }

    public String nodeName() {
        return nodeName;
    }

    public String time() {
        return text(view.get("time"));
    }

    /** The full {@code process} object. */
    public JsonNode process() {
        return body().path("process");
    }

    /** The full {@code parent} object. */
    public JsonNode parent() {
        return body().path("parent");
    }

    /** Whether the event is about a process (throttle and rate-limit events are about Tetragon itself). */
    public boolean hasProcess() {
        return !viewProcess.isMissingNode();
    }

    public String binary() {
        return text(viewProcess.get("binary"));
    }

    /** {@code process.docker}: the container id prefix Tetragon writes, or null. */
    public String docker() {
        return docker;
    }

    /** Namespace of the pod the process runs in; null for host processes. */
    public String podNamespace() {
        return podNamespace;
    }

    public String podName() {
        return podName;
    }

    /** The pod uid Tetragon wrote (newer versions), or null. */
    public String podUid() {
        return text(viewPod.get("uid"));
    }

    /** {@code process.pod.container.id}, or null. */
    public String containerId() {
        return containerId;
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
        return text(viewBody().get("function_name"));
    }

    public String policyName() {
        return text(viewBody().get("policy_name"));
    }

    /** The line exactly as Tetragon wrote it (without the newline). */
    public String originalText() {
        return line.text();
    }

    /** A new slot for {@link #derived(int)}: taken once, by a class that computes something from every event. */
    public static int derivedSlot() {
        return SLOTS.getAndIncrement();
    }

    /** What was kept in {@code slot} for this event, or null. */
    public Object derived(int slot) {
        Object[] d = derived;
        return d == null || slot >= d.length ? null : d[slot];
    }

    /** Forgets what steps kept ({@link #derived(int, Object)}): the step that computes them is done with the event. */
    public void clearDerived() {
        if (derived != null) {
            derived = null;
        }
    }

    /** Keeps {@code value} with this event, for the other readers of {@code slot}. */
    public void derived(int slot, Object value) {
        if (derived == null || slot >= derived.length) {
            derived = java.util.Arrays.copyOf(derived == null ? new Object[0] : derived, Math.max(slot + 1, 4));
        }
        derived[slot] = value;
    }

    /** The line's bytes, shared with the rest of its batch: read them, never write. */
    public Line line() {
        return line;
    }

    /** This event's line, whole, as a dead letter: a sink refused the event for {@code reason}. */
    public DeadLetter deadLetter(String reason, String detail) {
        byte[] bytes = originalText().getBytes(StandardCharsets.UTF_8);
        return new DeadLetter(reason, detail, sourceFile(), sourceOffset(), bytes.length, bytes, null, Instant.now());
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
            extras = JsonNodeFactory.instance.objectNode();
        }
        return extras;
    }

    /** Adds (or replaces) a member whose value many events share; see {@link SharedJson}. */
    public void addShared(String name, SharedJson value) {
        extras().set(name, value.tree());
        sharedName = name;
        shared = value;
    }

    /** The id of the shared object under {@code name} if the event still carries that object there, else null. */
    public String sharedId(String name) {
        return extras != null && isShared(name, extras.get(name)) ? shared.id() : null;
    }

    /** Whether {@code value} under {@code name} is still the shared object added there (checked by identity). */
    private boolean isShared(String name, JsonNode value) {
        return shared != null && name.equals(sharedName) && value == shared.tree();
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

    /**
     * The event's stable id ({@link EventId}): a hash of the line as Tetragon wrote it, or the id the node agent
     * that first read the line sent with it (the hub's records carry the agent's additions in their bytes).
     */
    public String id() {
        String i = id;
        if (i == null) {
            id = i = EventId.of(line.buf(), line.off(), line.len());
        }
        return i;
    }

    /** Sets the id the line was first given (the {@code tetragon-id} header of a node agent's Kafka record). */
    public void id(String id) {
        this.id = id;
    }

    /** The rule message added by a rule, if any (for log lines). */
    public String ruleMessage() {
        return extras == null ? null : text(extras.path("rule").get("message"));
    }

    /** Writes the event as one JSON object (no newline): the original bytes plus any added fields. */
    public void writeJson(OutputStream out, ObjectMapper mapper) throws IOException {
        if (!hasExtras()) {
            out.write(line.buf(), line.off(), line.len());
            return;
        }
        Iterator<String> names = extras.fieldNames();
        while (names.hasNext()) {
            if (has(names.next())) { // would duplicate a key: merge in a copy instead
                ObjectNode merged = root().deepCopy();
                merged.setAll(extras);
                mapper.writeValue(out, merged);
                return;
            }
        }
        int end = line.off() + line.len();
        while (end > line.off() && line.buf()[end - 1] != '}') {
            end--; // trailing whitespace or \r
        }
        out.write(line.buf(), line.off(), end - 1 - line.off()); // without its '}': our members follow
        boolean first = topNames.length == 0;
        Iterator<Map.Entry<String, JsonNode>> members = extras.fields();
        while (members.hasNext()) {
            Map.Entry<String, JsonNode> m = members.next();
            if (!first) {
                out.write(',');
            }
            first = false;
            out.write(quoted(m.getKey()));
            out.write(':');
            if (isShared(m.getKey(), m.getValue())) {
                out.write(shared.json());
            } else {
                mapper.writeValue(out, m.getValue());
            }
        }
        out.write('}');
    }

    private static final Map<String, byte[]> QUOTED = new ConcurrentHashMap<>();

    /** {@code "name"} as UTF-8; our members are a handful of names, so each is encoded once. */
    private static byte[] quoted(String name) {
        return QUOTED.computeIfAbsent(name, n -> {
            byte[] inner = JsonStringEncoder.getInstance().quoteAsUTF8(n);
            byte[] q = new byte[inner.length + 2];
            q[0] = '"';
            System.arraycopy(inner, 0, q, 1, inner.length);
            q[q.length - 1] = '"';
            return q;
        });
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? null : n.asText();
    }
}
