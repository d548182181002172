package io.tetragonroutes.sink.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tetragonroutes.event.EventType;
import io.tetragonroutes.event.TetragonEvent;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Maps a Tetragon event to the Elasticsearch document Elastic's {@code cilium_tetragon} integration makes of it
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
 * pipeline added (enrichment's {@code kubernetes.*}).
 */
public final class EcsDocument {

    public static final String ECS_VERSION = "8.11.0";
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final Set<EventType> WITH_PROCESS = Set.of(EventType.PROCESS_EXEC, EventType.PROCESS_EXIT,
            EventType.PROCESS_KPROBE, EventType.PROCESS_TRACEPOINT, EventType.PROCESS_LOADER, EventType.PROCESS_LSM,
            EventType.PROCESS_UPROBE);
    private static final TextNode CATEGORY_PROCESS = TextNode.valueOf("process");

    private final boolean preserveOriginal;
    private final ObjectNode dataStream;

    /**
     * @param preserveOriginal also keep the raw line as {@code event.original} (tag {@code preserve_original_event})
     * @param target           the index or data stream; {@code logs-<dataset>-<namespace>} sets {@code data_stream.*}
     */
    public EcsDocument(boolean preserveOriginal, String target) {
        this.preserveOriginal = preserveOriginal;
        this.dataStream = dataStreamOf(target);
    }

    static ObjectNode dataStreamOf(String target) {
        String[] parts = target == null ? new String[0] : target.split("-", 3);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()
                || target.contains("%")) {
            return null;
        }
        ObjectNode ds = F.objectNode();
        ds.put("type", parts[0]);
        ds.put("dataset", parts[1]);
        ds.put("namespace", parts[2]);
        return ds;
    }

    public ObjectNode map(TetragonEvent e) {
        ObjectNode doc = F.objectNode();
        String raw = e.originalText();
        ObjectNode log = e.root().deepCopy(); // moved fields leave it, as the pipeline's renames do
        String type = e.typeKey();
        // Tetragon's observation time; a line without one gets the time it was read, as Filebeat would stamp it
        doc.put("@timestamp", e.time() != null ? e.time() : Instant.now().toString());
        ObjectNode event = doc.putObject("event");
        if (preserveOriginal) {
            event.put("original", raw);
            doc.putArray("tags").add("preserve_original_event");
        }
        doc.put("message", raw);
        doc.putObject("ecs").put("version", ECS_VERSION);
        event.put("module", "cilium_tetragon");
        event.put("dataset", "cilium_tetragon.log");
        event.put("kind", e.routedTo("alerts") ? "alert" : "event");
        JsonNode body = log.get(type);
        if (WITH_PROCESS.contains(e.type()) && body instanceof ObjectNode b) {
            event.putArray("category").add(CATEGORY_PROCESS);
            event.putArray("type").add(e.type() == EventType.PROCESS_EXEC ? "start"
                    : e.type() == EventType.PROCESS_EXIT ? "end" : "info");
            ObjectNode process = doc.putObject("process");
            if (b.get("process") instanceof ObjectNode p) {
                moveProcess(p, process);
                movePod(p, doc);
            }
            if (e.type() != EventType.PROCESS_LOADER && b.get("parent") instanceof ObjectNode p) {
                moveProcess(p, process.putObject("parent"));
            }
            if (e.type() == EventType.PROCESS_EXEC) {
                event.put("action", "executed");
            } else if (e.type() == EventType.PROCESS_EXIT) {
                event.put("action", "end");
                JsonNode status = b.get("status");
                if (status != null) {
                    process.set("exit_code", status);
                }
            }
        }
        JsonNode node = log.get("node_name");
        if (node != null) {
            doc.putObject("host").set("name", node);
        }
        JsonNode cluster = log.get("cluster_name");
        if (cluster != null) {
            with(doc, "orchestrator").putObject("cluster").set("name", cluster);
        }
        if (dataStream != null) {
            doc.set("data_stream", dataStream.deepCopy());
        }
        if (e.hasExtras()) {
            extras(e.extras(), doc);
        }
        doc.putObject("cilium_tetragon").set("log", log);
        dropEmpty(doc);
        return doc;
    }

    private static void moveProcess(ObjectNode from, ObjectNode to) {
        JsonNode args = from.remove("arguments");
        if (args != null && args.isTextual()) {
            ArrayNode a = to.putArray("args");
            for (String s : WHITESPACE.split(args.asText())) {
                a.add(s);
            }
        }
        move(from, "binary", to, "executable");
        move(from, "cwd", to, "working_directory");
        move(from, "pid", to, "pid");
        move(from, "exec_id", to, "entity_id");
        JsonNode tid = from.remove("tid");
        if (tid != null) {
            to.putObject("thread").set("id", tid);
        }
        JsonNode uid = from.remove("uid");
        if (uid != null && !uid.isNull()) {
            to.putObject("user").put("id", uid.asText());
        }
        move(from, "start_time", to, "start");
    }

    private static void movePod(ObjectNode process, ObjectNode doc) {
        if (!(process.get("pod") instanceof ObjectNode pod)) {
            return;
        }
        if (pod.get("container") instanceof ObjectNode c) {
            ObjectNode container = with(doc, "container");
            move(c, "name", container, "name");
            move(c, "id", container, "id");
            if (c.get("image") instanceof ObjectNode image) {
                JsonNode name = image.remove("name");
                if (name != null) {
                    with(container, "image").set("name", name);
                }
            }
        }
        JsonNode name = pod.remove("name");
        JsonNode namespace = pod.remove("namespace");
        JsonNode kind = pod.remove("workload_kind");
        if (name != null || namespace != null || kind != null) {
            ObjectNode orchestrator = with(doc, "orchestrator");
            if (namespace != null) {
                orchestrator.set("namespace", namespace);
            }
            if (name != null || kind != null) {
                ObjectNode resource = with(orchestrator, "resource");
                if (name != null) {
                    resource.set("name", name);
                }
                if (kind != null) {
                    resource.putObject("parent").set("type", kind);
                }
            }
        }
    }

    /** Rule results as ECS; anything else the pipeline added goes in as it is. */
    private static void extras(ObjectNode extras, ObjectNode doc) {
        Iterator<Map.Entry<String, JsonNode>> it = extras.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getKey().equals("rule")) {
                doc.set(f.getKey(), f.getValue().deepCopy());
                continue;
            }
            JsonNode r = f.getValue();
            ObjectNode rule = doc.putObject("rule");
            rule.set("id", r.get("ids"));
            rule.set("name", r.get("ids"));
            rule.set("description", r.get("message"));
            rule.put("ruleset", "tetragon-routes");
            JsonNode severity = r.get("severity");
            if (severity != null) {
                rule.set("severity", severity);
                with(doc, "event").put("severity", severityScore(severity.asText()));
            }
            for (String k : new String[] {"count", "throttled"}) {
                if (r.has(k)) {
                    rule.set(k, r.get(k));
                }
            }
            JsonNode tags = r.get("tags");
            if (tags != null && tags.size() > 0) {
                ObjectNode threat = doc.putObject("threat");
                threat.put("framework", "MITRE ATT&CK");
                threat.putObject("technique").set("id", tags);
            }
        }
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

    private static void move(ObjectNode from, String key, ObjectNode to, String as) {
        JsonNode v = from.remove(key);
        if (v != null) {
            to.set(as, v);
        }
    }

    private static ObjectNode with(ObjectNode parent, String key) {
        JsonNode n = parent.get(key);
        return n instanceof ObjectNode o ? o : parent.putObject(key);
    }

    /** The pipeline's last step: no nulls, empty strings, empty objects or empty lists, at any depth. */
    static boolean dropEmpty(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.properties().removeIf(f -> dropEmpty(f.getValue()));
            return o.isEmpty();
        }
        if (n instanceof ArrayNode a) {
            for (int i = a.size() - 1; i >= 0; i--) {
                if (dropEmpty(a.get(i))) {
                    a.remove(i);
                }
            }
            return a.isEmpty();
        }
        return n == null || n.isNull() || (n.isTextual() && n.asText().isEmpty());
    }
}
