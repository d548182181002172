package io.tetragonroutes.sink.elasticsearch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.event.EventType;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.sink.elasticsearch.CompactWriter.Move;
import io.tetragonroutes.tail.Line;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import static io.tetragonroutes.sink.elasticsearch.CompactWriter.Move.into;
import static io.tetragonroutes.sink.elasticsearch.CompactWriter.Move.out;
import static io.tetragonroutes.sink.elasticsearch.CompactWriter.Move.read;

/**
 * Writes a Tetragon event as the Elasticsearch document Elastic's {@code cilium_tetragon} integration makes of it
 * (its ingest pipeline, done here so no pipeline is needed and the same documents reach any Elasticsearch or
 * OpenSearch): the whole event under {@code cilium_tetragon.log}, with the process, parent, container and pod
 * fields moved out to ECS ({@code process.*}, {@code process.parent.*}, {@code container.*},
 * {@code orchestrator.*}), {@code host.name}, {@code event.action}, {@code message} and, when preserving the
 * original, {@code event.original} and the {@code preserve_original_event} tag; nulls, empty strings and empty
 * objects/arrays dropped. So Elastic's dashboards and users' saved searches keep working.
 * <p>
 * Beyond the integration it adds {@code @timestamp} (from {@code time}, as the integration's Filebeat sidecar does),
 * {@code event.kind/category/type/module/dataset}, {@code data_stream.*} when the target is a data stream, the rule
 * results as ECS {@code rule.*}, {@code event.severity} and {@code threat.technique.id}, and any other field the
 * pipeline added (enrichment's {@code kubernetes.*}); an added field with a name the document already has replaces
 * ours, except {@code cilium_tetragon}, which is always the line.
 * <p>
 * The document is streamed: {@code cilium_tetragon.log} is copied token by token from the line's bytes, reading
 * only the fields that move into the slots they fill, and {@code message} is the line's bytes escaped. No tree of
 * the line is built and nothing is copied or pruned afterwards.
 */
public final class EcsDocument {

    public static final String ECS_VERSION = "8.11.0";
    /** For the moved values (small trees); generators it makes leave the caller's stream open. */
    private static final ObjectMapper TREES = new ObjectMapper(
            JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build());
    private static final Set<EventType> WITH_PROCESS = Set.of(EventType.PROCESS_EXEC, EventType.PROCESS_EXIT,
            EventType.PROCESS_KPROBE, EventType.PROCESS_TRACEPOINT, EventType.PROCESS_LOADER, EventType.PROCESS_LSM,
            EventType.PROCESS_UPROBE);

    // Where each moved value goes while the line is copied: a process's eight fields, then its parent's.
    private static final int ARGS = 0, EXECUTABLE = 1, CWD = 2, PID = 3, ENTITY_ID = 4, TID = 5, UID = 6, START = 7;
    private static final int PARENT = 8;
    private static final int POD_NAME = 16, POD_NAMESPACE = 17, WORKLOAD_KIND = 18, CONTAINER_NAME = 19,
            CONTAINER_ID = 20, IMAGE_NAME = 21, STATUS = 22, NODE = 23, CLUSTER = 24, BODY = 25, SLOTS = 26;
    /** The line's top-level members that move or are read, by event type. */
    private static final Map<EventType, Map<String, Move>> MOVES = moves();

    private static final SerializedString TIMESTAMP = name("@timestamp"), EVENT = name("event"),
            ORIGINAL = name("original"), TAGS = name("tags"), MESSAGE = name("message"), ECS = name("ecs"),
            VERSION = name("version"), MODULE = name("module"), DATASET = name("dataset"), KIND = name("kind"),
            CATEGORY = name("category"), TYPE = name("type"), ACTION = name("action"), SEVERITY = name("severity"),
            CILIUM_TETRAGON = name("cilium_tetragon"), LOG = name("log"), PROCESS = name("process"),
            PARENT_NAME = name("parent"), EXIT_CODE = name("exit_code"), ARGS_NAME = name("args"),
            EXECUTABLE_NAME = name("executable"), WORKING_DIRECTORY = name("working_directory"),
            PID_NAME = name("pid"), ENTITY_ID_NAME = name("entity_id"), THREAD = name("thread"), ID = name("id"),
            USER = name("user"), START_NAME = name("start"), CONTAINER = name("container"), NAME = name("name"),
            IMAGE = name("image"), ORCHESTRATOR = name("orchestrator"), NAMESPACE = name("namespace"),
            RESOURCE = name("resource"), CLUSTER_NAME = name("cluster"), HOST = name("host"),
            DATA_STREAM = name("data_stream"), RULE = name("rule"), DESCRIPTION = name("description"),
            RULESET = name("ruleset"), COUNT = name("count"), THROTTLED = name("throttled"),
            THREAT = name("threat"), FRAMEWORK = name("framework"), TECHNIQUE = name("technique");
    /** The names of the document's own top-level members, which an added field of that name replaces. */
    private static final Set<String> OURS = Set.of("@timestamp", "event", "tags", "message", "ecs", "process",
            "container", "orchestrator", "host", "data_stream", "threat");

    private final boolean preserveOriginal;
    private final DataStream dataStream;

    /**
     * @param preserveOriginal also keep the raw line as {@code event.original} (tag {@code preserve_original_event})
     * @param target           the index or data stream; {@code logs-<dataset>-<namespace>} sets {@code data_stream.*}
     */
    public EcsDocument(boolean preserveOriginal, String target) {
        this.preserveOriginal = preserveOriginal;
        this.dataStream = DataStream.of(target);
    }

    /** {@code data_stream.*} of a {@code <type>-<dataset>-<namespace>} target. */
    record DataStream(String type, String dataset, String namespace) {

        static DataStream of(String target) {
            String[] parts = target == null ? new String[0] : target.split("-", 3);
            if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()
                    || target.contains("%")) {
                return null;
            }
            return new DataStream(parts[0], parts[1], parts[2]);
        }
    }

    /** Writes the event's document as one JSON object (no newline); {@code out} stays open. */
    public void write(TetragonEvent e, OutputStream out) throws IOException {
        try (JsonGenerator g = TREES.getFactory().createGenerator(out)) {
            write(e, new CompactWriter(g, TREES));
        }
    }

    private void write(TetragonEvent e, CompactWriter w) throws IOException {
        Line line = e.line();
        JsonNode extras = e.hasExtras() ? e.extras() : null;
        JsonNode rule = extras == null ? null : extras.get("rule");
        JsonNode replaced = replacesOurs(extras) ? extras : null;
        JsonNode[] slots = new JsonNode[SLOTS];
        w.startObject(null);
        if (ours("@timestamp", replaced)) {
            // Tetragon's observation time; a line without one gets the time it was read, as Filebeat would stamp it
            w.string(TIMESTAMP, e.time() != null ? e.time() : Instant.now().toString());
        }
        if (preserveOriginal && ours("tags", replaced)) {
            w.startArray(TAGS);
            w.string(null, "preserve_original_event");
            w.end();
        }
        if (ours("message", replaced)) {
            w.utf8(MESSAGE, line.buf(), line.off(), line.len());
        }
        if (ours("ecs", replaced)) {
            w.startObject(ECS);
            w.string(VERSION, ECS_VERSION);
            w.end();
        }
        w.startObject(CILIUM_TETRAGON);
        try (JsonParser p = TREES.getFactory().createParser(line.buf(), line.off(), line.len())) {
            p.nextToken(); // the line was validated when it was parsed: one JSON object
            w.copy(LOG, p, MOVES.get(e.type()), slots);
        }
        w.end();
        boolean process = slots[BODY] != null; // an event about a process, and its body is an object
        if (ours("event", replaced)) {
            w.startObject(EVENT);
            if (preserveOriginal) {
                w.utf8(ORIGINAL, line.buf(), line.off(), line.len());
            }
            w.string(MODULE, "cilium_tetragon");
            w.string(DATASET, "cilium_tetragon.log");
            w.string(KIND, e.routedTo("alerts") ? "alert" : "event");
            if (process) {
                w.startArray(CATEGORY);
                w.string(null, "process");
                w.end();
                w.startArray(TYPE);
                w.string(null, e.type() == EventType.PROCESS_EXEC ? "start"
                        : e.type() == EventType.PROCESS_EXIT ? "end" : "info");
                w.end();
                w.string(ACTION, e.type() == EventType.PROCESS_EXEC ? "executed"
                        : e.type() == EventType.PROCESS_EXIT ? "end" : null);
            }
            JsonNode severity = rule == null ? null : rule.get("severity");
            if (severity != null) {
                w.number(SEVERITY, severityScore(severity.asText()));
            }
            w.end();
        }
        if (process && ours("process", replaced)) {
            w.startObject(PROCESS);
            process(w, slots, 0);
            w.startObject(PARENT_NAME);
            process(w, slots, PARENT);
            w.end();
            if (e.type() == EventType.PROCESS_EXIT) {
                w.tree(EXIT_CODE, slots[STATUS]);
            }
            w.end();
        }
        if (ours("container", replaced)) {
            w.startObject(CONTAINER);
            w.tree(NAME, slots[CONTAINER_NAME]);
            w.tree(ID, slots[CONTAINER_ID]);
            w.startObject(IMAGE);
            w.tree(NAME, slots[IMAGE_NAME]);
            w.end();
            w.end();
        }
        if (ours("orchestrator", replaced)) {
            w.startObject(ORCHESTRATOR);
            w.tree(NAMESPACE, slots[POD_NAMESPACE]);
            w.startObject(RESOURCE);
            w.tree(NAME, slots[POD_NAME]);
            w.startObject(PARENT_NAME);
            w.tree(TYPE, slots[WORKLOAD_KIND]);
            w.end();
            w.end();
            w.startObject(CLUSTER_NAME);
            w.tree(NAME, slots[CLUSTER]);
            w.end();
            w.end();
        }
        if (ours("host", replaced)) {
            w.startObject(HOST);
            w.tree(NAME, slots[NODE]);
            w.end();
        }
        if (dataStream != null && ours("data_stream", replaced)) {
            w.startObject(DATA_STREAM);
            w.string(TYPE, dataStream.type());
            w.string(DATASET, dataStream.dataset());
            w.string(NAMESPACE, dataStream.namespace());
            w.end();
        }
        if (extras != null) {
            extras(extras, w, replaced);
        }
        w.end();
    }

    /** A process's (or its parent's) fields that moved out of the line, as ECS names them. */
    private static void process(CompactWriter w, JsonNode[] slots, int base) throws IOException {
        JsonNode args = slots[base + ARGS];
        if (args != null && args.isTextual()) {
            w.startArray(ARGS_NAME);
            words(args.textValue(), w);
            w.end();
        }
        w.tree(EXECUTABLE_NAME, slots[base + EXECUTABLE]);
        w.tree(WORKING_DIRECTORY, slots[base + CWD]);
        w.tree(PID_NAME, slots[base + PID]);
        w.tree(ENTITY_ID_NAME, slots[base + ENTITY_ID]);
        w.startObject(THREAD);
        w.tree(ID, slots[base + TID]);
        w.end();
        JsonNode uid = slots[base + UID];
        if (uid != null && !uid.isNull()) {
            w.startObject(USER);
            w.string(ID, uid.asText());
            w.end();
        }
        w.tree(START_NAME, slots[base + START]);
    }

    /** Tetragon's {@code arguments} string split on whitespace, as the pipeline's {@code split} on {@code \s+}. */
    private static void words(String s, CompactWriter w) throws IOException {
        int start = -1;
        for (int i = 0; i <= s.length(); i++) {
            boolean space = i == s.length() || isSpace(s.charAt(i));
            if (space && start >= 0) {
                w.string(null, s.substring(start, i));
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
        }
    }

    /** Java regex's {@code \s}. */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /** Rule results as ECS; anything else the pipeline added goes in as it is. */
    private static void extras(JsonNode extras, CompactWriter w, JsonNode replaced) throws IOException {
        Iterator<Map.Entry<String, JsonNode>> it = extras.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("cilium_tetragon")) {
                continue; // always the line itself
            }
            if (!f.getKey().equals("rule")) {
                w.tree(f.getKey(), f.getValue());
                continue;
            }
            JsonNode r = f.getValue();
            w.startObject(RULE);
            w.tree(ID, r.get("ids"));
            w.tree(NAME, r.get("ids"));
            w.tree(DESCRIPTION, r.get("message"));
            w.string(RULESET, "tetragon-routes");
            w.tree(SEVERITY, r.get("severity"));
            w.tree(COUNT, r.get("count"));
            w.tree(THROTTLED, r.get("throttled"));
            w.end();
            JsonNode tags = r.get("tags");
            if (tags != null && tags.size() > 0 && ours("threat", replaced)) {
                w.startObject(THREAT);
                w.string(FRAMEWORK, "MITRE ATT&CK");
                w.startObject(TECHNIQUE);
                w.tree(ID, tags);
                w.end();
                w.end();
            }
        }
    }

    /** Whether an added field has the name of one of the document's own members (rare: then it replaces it). */
    private static boolean replacesOurs(JsonNode extras) {
        if (extras == null) {
            return false;
        }
        Iterator<String> names = extras.fieldNames();
        while (names.hasNext()) {
            if (OURS.contains(names.next())) {
                return true;
            }
        }
        return false;
    }

    private static boolean ours(String member, JsonNode replaced) {
        return replaced == null || !replaced.has(member);
    }

    /** The numbers Elastic's detection rules use for their severities. */
    static int severityScore(String severity) {
        return switch (severity) {
            case "critical" -> 99;
            case "high" -> 73;
            case "medium" -> 47;
            default -> 21;
        };
    }

    private static Map<EventType, Map<String, Move>> moves() {
        Map<String, Move> image = Map.of("name", out(IMAGE_NAME));
        Map<String, Move> container = Map.of("name", out(CONTAINER_NAME), "id", out(CONTAINER_ID),
                "image", into(-1, image));
        Map<String, Move> pod = Map.of("name", out(POD_NAME), "namespace", out(POD_NAMESPACE),
                "workload_kind", out(WORKLOAD_KIND), "container", into(-1, container));
        Map<EventType, Map<String, Move>> byType = new EnumMap<>(EventType.class);
        for (EventType t : EventType.values()) {
            Map<String, Move> top = new HashMap<>();
            top.put("node_name", read(NODE));
            top.put("cluster_name", read(CLUSTER));
            if (WITH_PROCESS.contains(t)) {
                Map<String, Move> body = new HashMap<>();
                Map<String, Move> process = new HashMap<>(processMoves(0));
                process.put("pod", into(-1, pod));
                body.put("process", into(-1, Map.copyOf(process)));
                if (t != EventType.PROCESS_LOADER) { // as the integration's pipeline: a loader's parent stays
                    body.put("parent", into(-1, processMoves(PARENT)));
                }
                if (t == EventType.PROCESS_EXIT) {
                    body.put("status", read(STATUS));
                }
                top.put(t.key(), into(BODY, Map.copyOf(body)));
            }
            byType.put(t, Map.copyOf(top));
        }
        return byType;
    }

    private static Map<String, Move> processMoves(int base) {
        return Map.of("arguments", out(base + ARGS), "binary", out(base + EXECUTABLE), "cwd", out(base + CWD),
                "pid", out(base + PID), "exec_id", out(base + ENTITY_ID), "tid", out(base + TID),
                "uid", out(base + UID), "start_time", out(base + START));
    }

    private static SerializedString name(String s) {
        return new SerializedString(s);
    }
}
