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
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
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

    // Where each moved or read value goes while the line is copied: a process's twelve, then its parent's.
    private static final int ARGS = 0, EXECUTABLE = 1, CWD = 2, PID = 3, ENTITY_ID = 4, TID = 5, UID = 6, START = 7,
            USER_RECORD = 8, LABELS = 9, ANNOTATIONS = 10;
    private static final int PARENT = 12;
    private static final int POD_NAME = 24, POD_NAMESPACE = 25, WORKLOAD_KIND = 26, CONTAINER_NAME = 27,
            CONTAINER_ID = 28, IMAGE_NAME = 29, STATUS = 30, NODE = 31, CLUSTER = 32, BODY = 33, IMAGE_ID = 34,
            FUNCTION = 35, HOOK_ARGS = 36, RETURN = 37, SIGNAL = 38, HOOK_ACTION = 39, LOADER_PATH = 40, SLOTS = 41;
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
            THREAT = name("threat"), FRAMEWORK = name("framework"), TECHNIQUE = name("technique"),
            OUTCOME = name("outcome"), ARGS_COUNT = name("args_count"), COMMAND_LINE = name("command_line"),
            OS = name("os"), RUNTIME = name("runtime"), TAG = name("tag"), HASH = name("hash"), ALL = name("all"),
            LABEL = name("label"), ANNOTATION = name("annotation"), RELATED = name("related"), IP = name("ip"),
            HOSTS = name("hosts"), FILE = name("file"), PATH = name("path"), DIRECTORY = name("directory"),
            SOURCE = name("source"), DESTINATION = name("destination"), PORT = name("port"),
            NETWORK = name("network"), TRANSPORT = name("transport"), DIRECTION = name("direction"),
            CODE = name("code"), AUTHOR = name("author"), TACTIC = name("tactic");
    /** The names of the document's own top-level members, which an added field of that name replaces. */
    private static final Set<String> OURS = Set.of("@timestamp", "event", "tags", "message", "ecs", "process",
            "container", "orchestrator", "host", "data_stream", "threat", "user", "related", "file", "source",
            "destination", "network");

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
        Hook hook = Hook.of(e.type(), slots);
        if (ours("event", replaced)) {
            w.startObject(EVENT);
            if (preserveOriginal) {
                w.utf8(ORIGINAL, line.buf(), line.off(), line.len());
            }
            w.string(MODULE, "cilium_tetragon");
            w.string(DATASET, "cilium_tetragon.log");
            w.string(CODE, e.typeKey()); // Tetragon's event type: process_exec, process_kprobe, ...
            w.string(KIND, e.routedTo("alerts") ? "alert" : e.type() == EventType.RATE_LIMIT_INFO ? "metric" : "event");
            w.startArray(CATEGORY);
            w.string(null, hook.category);
            w.end();
            w.startArray(TYPE);
            for (String t : hook.types) {
                w.string(null, t);
            }
            w.end();
            w.string(ACTION, e.type() == EventType.PROCESS_EXEC ? "executed"
                    : e.type() == EventType.PROCESS_EXIT ? "end" : text(slots[FUNCTION]));
            w.string(OUTCOME, outcome(e.type(), slots));
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
        if (process && ours("user", replaced)) {
            user(w, slots, 0); // the acting user is the process's
        }
        if (ours("container", replaced)) {
            container(w, slots);
        }
        if (ours("orchestrator", replaced)) {
            w.startObject(ORCHESTRATOR);
            if (slots[POD_NAME] != null || slots[CLUSTER] != null) {
                w.string(TYPE, "kubernetes");
            }
            w.tree(NAMESPACE, slots[POD_NAMESPACE]);
            w.startObject(RESOURCE);
            if (slots[POD_NAME] != null) {
                w.string(TYPE, "pod");
            }
            w.tree(NAME, slots[POD_NAME]);
            w.startObject(PARENT_NAME);
            w.tree(TYPE, slots[WORKLOAD_KIND]);
            w.end();
            keyValues(w, LABEL, slots[LABELS] != null ? slots[LABELS] : slots[PARENT + LABELS]);
            keyValues(w, ANNOTATION, slots[ANNOTATIONS] != null ? slots[ANNOTATIONS] : slots[PARENT + ANNOTATIONS]);
            w.end();
            w.startObject(CLUSTER_NAME);
            w.tree(NAME, slots[CLUSTER]);
            w.end();
            w.end();
        }
        if (ours("host", replaced)) {
            w.startObject(HOST);
            w.tree(NAME, slots[NODE]);
            w.startObject(OS);
            w.string(TYPE, "linux");
            w.end();
            w.end();
        }
        if (hook.path != null && ours("file", replaced)) {
            w.startObject(FILE);
            w.string(PATH, hook.path);
            int slash = hook.path.lastIndexOf('/');
            w.string(NAME, slash < 0 ? hook.path : hook.path.substring(slash + 1));
            w.string(DIRECTORY, slash > 0 ? hook.path.substring(0, slash) : slash == 0 ? "/" : null);
            w.end();
        }
        if (hook.category.equals("network")) {
            endpoint(w, SOURCE, hook.sourceIp, hook.sourcePort, replaced, "source");
            endpoint(w, DESTINATION, hook.destinationIp, hook.destinationPort, replaced, "destination");
            if (ours("network", replaced)) {
                w.startObject(NETWORK);
                w.string(TRANSPORT, hook.transport);
                w.string(TYPE, hook.networkType);
                w.string(DIRECTION, hook.direction);
                w.end();
            }
        }
        if (ours("related", replaced)) {
            related(w, slots, hook);
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
        String executable = text(slots[base + EXECUTABLE]);
        JsonNode arguments = slots[base + ARGS];
        String argsText = arguments != null && arguments.isTextual() ? arguments.textValue() : null;
        if (executable != null) {
            int slash = executable.lastIndexOf('/');
            w.string(NAME, executable.substring(slash + 1));
        }
        if (executable != null || argsText != null) {
            List<String> args = new ArrayList<>();
            if (executable != null) {
                args.add(executable); // argv[0] as ECS wants it: Tetragon gives the path, not what was typed
            }
            if (argsText != null) {
                ShellWords.split(argsText, args);
            }
            if (!args.isEmpty()) {
                w.startArray(ARGS_NAME);
                for (String a : args) {
                    w.string(null, a);
                }
                w.end();
                w.number(ARGS_COUNT, args.size());
            }
            if (executable != null) {
                w.string(COMMAND_LINE, argsText == null || argsText.isEmpty() ? executable : executable + " " + argsText);
            }
        }
        w.string(EXECUTABLE_NAME, executable);
        w.tree(WORKING_DIRECTORY, slots[base + CWD]);
        w.tree(PID_NAME, slots[base + PID]);
        w.tree(ENTITY_ID_NAME, slots[base + ENTITY_ID]);
        w.startObject(THREAD);
        w.tree(ID, slots[base + TID]);
        w.end();
        user(w, slots, base);
        w.tree(START_NAME, slots[base + START]);
    }

    /** {@code user.id} (the uid, as text) and {@code user.name} where Tetragon resolved it. */
    private static void user(CompactWriter w, JsonNode[] slots, int base) throws IOException {
        JsonNode uid = slots[base + UID];
        w.startObject(USER);
        if (uid != null && !uid.isNull() && !uid.isContainerNode()) {
            w.string(ID, uid.asText());
        }
        JsonNode record = slots[base + USER_RECORD];
        w.string(NAME, record == null ? null : text(record.get("name")));
        w.end();
    }

    /**
     * {@code container.*}: the id without the runtime's prefix ({@code containerd://}), the runtime, and the image's
     * name (as Tetragon reports it), tag and digest ({@code image.id} is {@code repo@sha256:...}).
     */
    private static void container(CompactWriter w, JsonNode[] slots) throws IOException {
        w.startObject(CONTAINER);
        w.tree(NAME, slots[CONTAINER_NAME]);
        String id = text(slots[CONTAINER_ID]);
        if (id != null) {
            int sep = id.indexOf("://");
            w.string(ID, sep < 0 ? id : id.substring(sep + 3));
            w.string(RUNTIME, sep < 0 ? null : id.substring(0, sep));
        }
        w.startObject(IMAGE);
        String image = text(slots[IMAGE_NAME]);
        w.string(NAME, image);
        if (image != null && !image.startsWith("sha256:")) {
            int colon = image.lastIndexOf(':');
            if (colon > image.lastIndexOf('/') && image.indexOf('@') < 0) {
                w.startArray(TAG);
                w.string(null, image.substring(colon + 1));
                w.end();
            }
        }
        String imageId = text(slots[IMAGE_ID]);
        String digest = imageId != null && imageId.indexOf('@') >= 0 ? imageId.substring(imageId.lastIndexOf('@') + 1)
                : imageId != null && imageId.startsWith("sha256:") ? imageId
                : image != null && image.startsWith("sha256:") ? image : null; // kind swaps name and id
        w.startObject(HASH);
        w.startArray(ALL);
        w.string(null, digest);
        w.end();
        w.end();
        w.end();
        w.end();
    }

    /** A free-form map (labels, annotations) as ECS's {@code key:value} list. */
    private static void keyValues(CompactWriter w, SerializedString name, JsonNode map) throws IOException {
        if (map == null || !map.isObject()) {
            return;
        }
        w.startArray(name);
        Iterator<Map.Entry<String, JsonNode>> it = map.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getValue().isValueNode() && !f.getValue().isNull()) {
                w.string(null, f.getKey() + ":" + f.getValue().asText());
            }
        }
        w.end();
    }

    private static void endpoint(CompactWriter w, SerializedString name, String ip, JsonNode port, JsonNode replaced,
                                 String member) throws IOException {
        if (!ours(member, replaced)) {
            return;
        }
        w.startObject(name);
        w.string(IP, ip);
        if (port != null && port.canConvertToInt() && port.asInt() > 0) {
            w.number(PORT, port.asInt());
        } else if (port != null && port.isTextual() && !port.textValue().isEmpty()) {
            w.string(PORT, port.textValue());
        }
        w.end();
    }

    /** {@code related.*}: every IP, user and host the event names, once each. */
    private static void related(CompactWriter w, JsonNode[] slots, Hook hook) throws IOException {
        w.startObject(RELATED);
        w.startArray(IP);
        w.string(null, hook.sourceIp);
        if (hook.destinationIp != null && !hook.destinationIp.equals(hook.sourceIp)) {
            w.string(null, hook.destinationIp);
        }
        w.end();
        w.startArray(USER);
        List<String> users = new ArrayList<>(4);
        for (int base : new int[]{0, PARENT}) {
            JsonNode uid = slots[base + UID];
            addOnce(users, uid == null || uid.isContainerNode() || uid.isNull() ? null : uid.asText());
            JsonNode record = slots[base + USER_RECORD];
            addOnce(users, record == null ? null : text(record.get("name")));
        }
        for (String u : users) {
            w.string(null, u);
        }
        w.end();
        w.startArray(HOSTS);
        w.tree(null, slots[NODE]);
        w.end();
        w.end();
    }

    private static void addOnce(List<String> list, String v) {
        if (v != null && !v.isEmpty() && !list.contains(v)) {
            list.add(v);
        }
    }

    /** {@code event.outcome} where Tetragon says it: an exit's status or signal, a hook's return value or action. */
    private static String outcome(EventType type, JsonNode[] slots) {
        if (type == EventType.PROCESS_EXIT) {
            boolean failed = (slots[STATUS] != null && slots[STATUS].asInt(0) != 0)
                    || (slots[SIGNAL] != null && !text(slots[SIGNAL], "").isEmpty());
            return failed ? "failure" : "success";
        }
        String action = text(slots[HOOK_ACTION]);
        if (action != null && (action.endsWith("SIGKILL") || action.endsWith("OVERRIDE"))) {
            return "failure"; // the policy killed the process or refused the call
        }
        JsonNode ret = slots[RETURN];
        JsonNode value = ret == null ? null : ret.get("int_arg");
        if (value != null && value.canConvertToLong()) {
            return value.asLong() < 0 ? "failure" : "success";
        }
        return null;
    }

    /** What a kernel-hook event is about, from its function and its first file or socket argument. */
    static final class Hook {
        String category = "process";
        List<String> types = List.of("info");
        String path;
        String sourceIp, destinationIp, transport, networkType, direction;
        JsonNode sourcePort, destinationPort;

        static Hook of(EventType type, JsonNode[] slots) {
            Hook h = new Hook();
            switch (type) {
                case PROCESS_EXEC -> h.types = List.of("start");
                case PROCESS_EXIT -> h.types = List.of("end");
                case PROCESS_LOADER -> {
                    h.category = "library";
                    h.types = List.of("start");
                    h.path = text(slots[LOADER_PATH]);
                }
                case PROCESS_THROTTLE, RATE_LIMIT_INFO -> h.category = "host";
                default -> {
                    if (slots[HOOK_ARGS] != null) {
                        h.args(text(slots[FUNCTION], ""), slots[HOOK_ARGS]);
                    }
                }
            }
            return h;
        }

        private void args(String function, JsonNode args) {
            for (JsonNode a : args) {
                if (!a.isObject()) {
                    continue;
                }
                JsonNode file = first(a, "file_arg", "path_arg", "linux_binprm_arg");
                if (file != null && path == null && text(file.get("path")) != null) {
                    category = "file";
                    path = text(file.get("path"));
                    types = List.of(fileType(function));
                    return;
                }
                JsonNode sock = first(a, "sock_arg", "skb_arg");
                if (sock != null) {
                    network(function, text(sock.get("family")), text(sock.get("protocol")), text(sock.get("type")));
                    boolean in = "ingress".equals(direction);
                    sourceIp = text(in ? sock.get("daddr") : sock.get("saddr"));
                    sourcePort = in ? sock.get("dport") : sock.get("sport");
                    destinationIp = text(in ? sock.get("saddr") : sock.get("daddr"));
                    destinationPort = in ? sock.get("sport") : sock.get("dport");
                    return;
                }
                JsonNode addr = a.get("sockaddr_arg");
                if (addr != null && addr.isObject()) { // the address a socket connects or binds to
                    network(function, text(addr.get("family")), null, null);
                    destinationIp = text(addr.get("addr"));
                    destinationPort = addr.get("port");
                    return;
                }
            }
        }

        private void network(String function, String family, String protocol, String sockType) {
            category = "network";
            String f = function.toLowerCase(java.util.Locale.ROOT);
            types = f.contains("connect") || f.contains("accept") ? List.of("connection", "start")
                    : f.contains("close") ? List.of("connection", "end") : List.of("connection", "info");
            networkType = "AF_INET".equals(family) ? "ipv4" : "AF_INET6".equals(family) ? "ipv6" : null;
            transport = protocol != null && protocol.startsWith("IPPROTO_")
                    ? protocol.substring(8).toLowerCase(java.util.Locale.ROOT)
                    : "SOCK_STREAM".equals(sockType) ? "tcp" : "SOCK_DGRAM".equals(sockType) ? "udp" : null;
            direction = f.contains("connect") || f.contains("send") ? "egress"
                    : f.contains("accept") || f.contains("recv") ? "ingress" : null;
        }

        private static String fileType(String function) {
            String f = function.toLowerCase(java.util.Locale.ROOT);
            if (f.contains("unlink") || f.contains("rmdir")) {
                return "deletion";
            }
            if (f.contains("create") || f.contains("mkdir") || f.contains("mknod")) {
                return "creation";
            }
            if (f.contains("rename") || f.contains("truncate") || f.contains("chmod") || f.contains("chown")
                    || f.contains("setattr") || f.contains("write")) {
                return "change";
            }
            return "access";
        }

        private static JsonNode first(JsonNode arg, String... names) {
            for (String n : names) {
                JsonNode v = arg.get(n);
                if (v != null && v.isObject()) {
                    return v;
                }
            }
            return null;
        }
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() && !n.textValue().isEmpty() ? n.textValue() : null;
    }

    private static String text(JsonNode n, String otherwise) {
        String t = text(n);
        return t == null ? otherwise : t;
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
            w.tree(AUTHOR, r.get("author"));
            w.end();
            JsonNode tags = r.get("tags");
            if (tags != null && tags.size() > 0 && ours("threat", replaced)) {
                threat(tags, w);
            }
        }
    }

    /**
     * ATT&CK from the rule tags: technique ids ({@code T1059.004}) as {@code threat.technique.id}, tactic names
     * ({@code execution}, {@code stealth}) as {@code threat.tactic.name}; other tags (a CVE, a rule's own) stay in
     * {@code rule} only. Nothing is written when no tag is ATT&CK.
     */
    private static void threat(JsonNode tags, CompactWriter w) throws IOException {
        com.fasterxml.jackson.databind.node.ArrayNode techniques = null;
        com.fasterxml.jackson.databind.node.ArrayNode tactics = null;
        for (JsonNode t : tags) {
            String s = t.asText();
            if (s.length() >= 5 && s.charAt(0) == 'T' && Character.isDigit(s.charAt(1))) {
                techniques = (techniques == null ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode()
                        : techniques).add(s);
            } else if (io.tetragonroutes.rules.sigma.SigmaLoader.TACTICS.contains(s)) {
                tactics = (tactics == null ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode()
                        : tactics).add(s);
            }
        }
        if (techniques == null && tactics == null) {
            return;
        }
        w.startObject(THREAT);
        w.string(FRAMEWORK, "MITRE ATT&CK");
        if (techniques != null) {
            w.startObject(TECHNIQUE);
            w.tree(ID, techniques);
            w.end();
        }
        if (tactics != null) {
            w.startObject(TACTIC);
            w.tree(NAME, tactics);
            w.end();
        }
        w.end();
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
        Map<String, Move> image = Map.of("name", out(IMAGE_NAME), "id", read(IMAGE_ID));
        Map<String, Move> container = Map.of("name", out(CONTAINER_NAME), "id", out(CONTAINER_ID),
                "image", into(-1, image));
        // labels and annotations leave the integration's pod_labels paths (which map app.kubernetes.io/name, so
        // any concrete `app` label would be refused there) for orchestrator.resource.label/annotation
        Map<String, Move> pod = Map.of("name", out(POD_NAME), "namespace", out(POD_NAMESPACE),
                "workload_kind", out(WORKLOAD_KIND), "container", into(-1, container),
                "pod_labels", out(LABELS), "pod_annotations", out(ANNOTATIONS));
        Map<String, Move> parentPod = Map.of("pod_labels", out(PARENT + LABELS),
                "pod_annotations", out(PARENT + ANNOTATIONS));
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
                Map<String, Move> parent = new HashMap<>();
                if (t != EventType.PROCESS_LOADER) { // as the integration's pipeline: a loader's parent stays
                    parent.putAll(processMoves(PARENT));
                }
                parent.put("pod", into(-1, parentPod));
                body.put("parent", into(-1, Map.copyOf(parent)));
                if (t == EventType.PROCESS_EXIT) {
                    body.put("status", read(STATUS));
                    body.put("signal", read(SIGNAL));
                }
                if (t.hasArgs()) {
                    body.put("function_name", read(FUNCTION));
                    body.put("args", read(HOOK_ARGS));
                    body.put("return", read(RETURN));
                    body.put("action", read(HOOK_ACTION));
                }
                if (t == EventType.PROCESS_LOADER) {
                    body.put("path", read(LOADER_PATH));
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
                "uid", out(base + UID), "start_time", out(base + START), "user", read(base + USER_RECORD));
    }

    private static SerializedString name(String s) {
        return new SerializedString(s);
    }
}
