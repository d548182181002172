package io.tetragonroutes.sink.parseable;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.sink.http.FaultyHttpServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

/**
 * A stand-in for Parseable 2.x (which cannot be installed here), built from its documented and observed HTTP
 * behaviour: Basic auth (no header 401, wrong credentials 403), {@code PUT /api/v1/logstream/{name}} (name rules,
 * "already exists" 400), {@code POST /api/v1/ingest} with {@code X-P-Stream} (missing header 400, Content-Type
 * check, payload limit 413, duplicate keys 400, reserved {@code p_timestamp} 400, more than 1000 fields 400,
 * {@code X-P-<name>} headers as columns), and Parseable's flattening: nested keys joined with {@code _}, a leading
 * {@code @} as {@code _}, arrays of objects exploded into one row per element (several arrays multiply out),
 * arrays of values kept as lists. A request is all or nothing. Faults come from {@link FaultyHttpServer}.
 */
public final class ParseableServer extends FaultyHttpServer<ParseableServer> {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Set<String> KEYWORDS = Set.of("select", "from", "where", "table", "group", "order");

    private final ObjectMapper mapper = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private final Map<String, List<ObjectNode>> streams = new ConcurrentHashMap<>();
    private volatile String user = "admin";
    private volatile String password = "admin";
    private volatile boolean autoCreate = true;
    private volatile int maxPayload = 10 * 1024 * 1024;

    public ParseableServer() throws IOException {
        super(null);
    }

    public ParseableServer credentials(String user, String password) {
        this.user = user;
        this.password = password;
        return this;
    }

    /** Parseable 2.x creates a stream on first ingest; older ones answer 404 for a missing stream. */
    public ParseableServer autoCreate(boolean on) {
        this.autoCreate = on;
        return this;
    }

    public ParseableServer maxPayload(int bytes) {
        this.maxPayload = bytes;
        return this;
    }

    public List<ObjectNode> rows(String stream) {
        List<ObjectNode> rows = streams.get(stream);
        return rows == null ? List.of() : new ArrayList<>(rows);
    }

    public void deleteStream(String stream) {
        streams.remove(stream);
    }

    public long count(String method, String pathPrefix) {
        return requests().stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).count();
    }

    @Override
    public void reset() {
        super.reset();
        streams.clear();
        user = "admin";
        password = "admin";
        autoCreate = true;
        maxPayload = 10 * 1024 * 1024;
    }

    @Override
    protected Reply serve(Request r) throws IOException {
        String path = r.path();
        if (path.equals("/api/v1/liveness") || path.equals("/api/v1/readiness")) {
            return Reply.text(200, "");
        }
        String auth = r.header("Authorization");
        if (auth == null) {
            return Reply.text(401, "");
        }
        String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        if (!auth.equals(expected)) {
            return Reply.text(403, "");
        }
        if (path.startsWith("/api/v1/logstream/")) {
            String name = path.substring("/api/v1/logstream/".length());
            return switch (r.method()) {
                case "PUT" -> create(name);
                case "DELETE" -> streams.remove(name) != null ? Reply.text(200, "log stream " + name + " deleted")
                        : Reply.text(404, "Stream not found: " + name);
                default -> Reply.text(405, "");
            };
        }
        if (path.equals("/api/v1/ingest") && r.method().equals("POST")) {
            return ingest(r);
        }
        return Reply.text(404, "");
    }

    private Reply create(String name) {
        if (!NAME.matcher(name).matches() || KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
            return Reply.text(400, "Invalid stream name: " + name);
        }
        if (streams.putIfAbsent(name, new CopyOnWriteArrayList<>()) != null) {
            return Reply.text(400, "Logstream " + name + " already exists, please create a new log stream with unique name");
        }
        return Reply.text(200, "Log stream created");
    }

    private Reply ingest(Request r) {
        String stream = r.header("X-P-Stream");
        if (stream == null) {
            return Reply.text(400, "Header Error: Stream name not found in header [x-p-stream]");
        }
        String type = r.header("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return Reply.text(400, "Content type error");
        }
        if (r.body().length > maxPayload) {
            return Reply.text(413, "Payload too large");
        }
        if (!streams.containsKey(stream)) {
            if (!autoCreate) {
                return Reply.text(404, "Stream not found: " + stream);
            }
            streams.putIfAbsent(stream, new CopyOnWriteArrayList<>());
        }
        JsonNode body;
        try {
            body = mapper.readTree(r.body());
        } catch (JsonProcessingException e) {
            return Reply.text(400, "Could not deserialize into JSON object, " + e.getOriginalMessage());
        } catch (IOException e) {
            return Reply.text(400, e.getMessage());
        }
        List<JsonNode> events = new ArrayList<>();
        if (body.isArray()) {
            body.forEach(events::add);
        } else {
            events.add(body);
        }
        List<ObjectNode> rows = new ArrayList<>();
        String now = Instant.now().toString();
        for (JsonNode e : events) {
            if (!e.isObject()) {
                return Reply.text(400, "Could not deserialize into JSON object, expected an object");
            }
            if (e.has("p_timestamp")) {
                return Reply.text(400, "Ingestion failed as field p_timestamp is reserved");
            }
            for (ObjectNode row : flatten(e)) {
                if (row.size() > 1000) {
                    return Reply.text(400, "Ingestion has been stoppped for dataset " + stream
                            + " as fields count " + row.size() + " exceeds the allowed limit of 1000");
                }
                r.headers().forEach((k, v) -> {
                    String h = k.toLowerCase(Locale.ROOT);
                    if (h.startsWith("x-p-") && !h.equals("x-p-stream") && !h.equals("x-p-log-source")) {
                        row.put(h.substring(4), v.get(0));
                    }
                });
                row.put("p_timestamp", now);
                rows.add(row);
            }
        }
        streams.get(stream).addAll(rows); // all or nothing: only once every event passed
        return new Reply(200, "text/plain", new byte[0]);
    }

    /** Parseable's generic flattening: one row per combination of the elements of object arrays. */
    List<ObjectNode> flatten(JsonNode event) {
        List<ObjectNode> rows = new ArrayList<>();
        rows.add(mapper.createObjectNode());
        flattenInto(rows, "", event);
        return rows;
    }

    private void flattenInto(List<ObjectNode> rows, String prefix, JsonNode node) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            String key = f.getKey().startsWith("@") ? "_" + f.getKey().substring(1) : f.getKey();
            String name = prefix.isEmpty() ? key : prefix + "_" + key;
            JsonNode v = f.getValue();
            if (v.isObject()) {
                flattenInto(rows, name, v);
            } else if (v.isArray() && v.size() > 0 && v.get(0).isObject()) {
                List<ObjectNode> out = new ArrayList<>();
                for (ObjectNode row : rows) {
                    for (JsonNode element : v) {
                        List<ObjectNode> one = new ArrayList<>();
                        one.add(row.deepCopy());
                        flattenInto(one, name, element);
                        out.addAll(one);
                    }
                }
                rows.clear();
                rows.addAll(out);
            } else {
                for (ObjectNode row : rows) {
                    row.set(name, v instanceof ArrayNode ? v.deepCopy() : v);
                }
            }
        }
    }
}
