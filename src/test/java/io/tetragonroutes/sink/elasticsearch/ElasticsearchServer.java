package io.tetragonroutes.sink.elasticsearch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.sink.http.FaultyHttpServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An Elasticsearch stand-in for {@code _bulk}, speaking its wire format: Basic or ApiKey auth (401
 * {@code security_exception} otherwise), NDJSON that must end with a newline, {@code create}/{@code index} actions,
 * data streams ({@code logs-*-*}: create only, {@code @timestamp} required), dynamic mapping with the conflicts
 * Elasticsearch reports per item ({@code document_parsing_exception} for a value that does not fit the field's
 * mapped type, an object where a concrete value was mapped and back), and {@code es_rejected_execution_exception}
 * 429 items on demand. The answer is Elasticsearch's: {@code took}, {@code errors}, one item per action in order.
 */
public final class ElasticsearchServer extends FaultyHttpServer<ElasticsearchServer> {

    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<String, List<ObjectNode>> indices = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> mappings = new ConcurrentHashMap<>();
    private final AtomicInteger rejectItems = new AtomicInteger();
    private volatile String basic;
    private volatile String apiKey;

    public ElasticsearchServer() throws IOException {
        super(null);
    }

    /** Over HTTPS with this server certificate. */
    public ElasticsearchServer(javax.net.ssl.SSLContext tls) throws IOException {
        super(tls);
    }

    public ElasticsearchServer basicAuth(String user, String password) {
        basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public ElasticsearchServer apiKey(String encoded) {
        apiKey = "ApiKey " + encoded;
        return this;
    }

    /** The next {@code n} bulk items are refused with 429, as a node whose write queue is full refuses them. */
    public ElasticsearchServer rejectNextItems(int n) {
        rejectItems.set(n);
        return this;
    }

    public List<ObjectNode> docs(String index) {
        List<ObjectNode> d = indices.get(index);
        return d == null ? List.of() : new ArrayList<>(d);
    }

    @Override
    public void reset() {
        super.reset();
        indices.clear();
        mappings.clear();
        rejectItems.set(0);
    }

    @Override
    protected Reply serve(Request r) throws IOException {
        String auth = r.header("Authorization");
        if (auth == null || !(auth.equals(basic) || auth.equals(apiKey))) {
            String reason = auth == null ? "missing authentication credentials for REST request [" + r.path() + "]"
                    : "unable to authenticate with provided credentials";
            return Reply.json(401, "{\"error\":{\"root_cause\":[{\"type\":\"security_exception\",\"reason\":\""
                    + reason + "\"}],\"type\":\"security_exception\",\"reason\":\"" + reason + "\"},\"status\":401}");
        }
        if (!r.method().equals("POST") || !(r.path().equals("/_bulk") || r.path().endsWith("/_bulk"))) {
            return Reply.json(405, "{\"error\":\"Incorrect HTTP method\",\"status\":405}");
        }
        String type = r.header("Content-Type");
        if (type == null || !(type.startsWith("application/x-ndjson") || type.startsWith("application/json"))) {
            return Reply.json(406, "{\"error\":\"Content-Type header [" + type + "] is not supported\",\"status\":406}");
        }
        String body = r.text();
        if (!body.endsWith("\n")) {
            return error(400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]");
        }
        String pathIndex = r.path().equals("/_bulk") ? null : r.path().substring(1, r.path().length() - "/_bulk".length());
        String[] lines = body.split("\n");
        ArrayNode items = mapper.createArrayNode();
        boolean errors = false;
        for (int i = 0; i < lines.length; i += 2) {
            JsonNode action;
            try {
                action = mapper.readTree(lines[i]);
            } catch (JsonProcessingException e) {
                return error(400, "x_content_parse_exception", "Malformed action/metadata line [" + (i + 1) + "]");
            }
            String op = action.fieldNames().hasNext() ? action.fieldNames().next() : "";
            if (!op.equals("create") && !op.equals("index")) {
                return error(400, "illegal_argument_exception", "Malformed action/metadata line [" + (i + 1)
                        + "], expected one of [create, delete, index, update] but found [" + op + "]");
            }
            String index = action.path(op).path("_index").asText(pathIndex);
            ObjectNode item = items.addObject().putObject(op);
            item.put("_index", index);
            String fail = null;
            int status = 201;
            if (rejectItems.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                status = 429;
                fail = "es_rejected_execution_exception|rejected execution of coordinating operation";
            } else if (i + 1 >= lines.length) {
                return error(400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]");
            } else {
                fail = index(index, op, lines[i + 1]);
                status = fail == null ? 201 : 400;
            }
            item.put("status", status);
            if (fail == null) {
                item.put("_id", UUID.randomUUID().toString()).put("_version", 1).put("result", "created");
            } else {
                errors = true;
                String[] f = fail.split("\\|", 2);
                item.putObject("error").put("type", f[0]).put("reason", f[1]);
            }
        }
        ObjectNode answer = mapper.createObjectNode();
        answer.put("took", 1).put("errors", errors).set("items", items);
        return Reply.json(200, mapper.writeValueAsString(answer));
    }

    /** Stores the document, or returns "type|reason" of the error Elasticsearch would give for it. */
    private String index(String index, String op, String source) {
        boolean dataStream = index.startsWith("logs-") && index.split("-", 3).length == 3;
        if (dataStream && !op.equals("create")) {
            return "illegal_argument_exception|only write ops with an op_type of create are allowed in data streams";
        }
        JsonNode doc;
        try {
            doc = mapper.readTree(source);
        } catch (JsonProcessingException e) {
            return "document_parsing_exception|[1:1] failed to parse: " + e.getOriginalMessage();
        }
        if (!(doc instanceof ObjectNode o)) {
            return "document_parsing_exception|[1:1] failed to parse: not a JSON object";
        }
        if (dataStream && !o.has("@timestamp")) {
            return "illegal_argument_exception|data stream timestamp field [@timestamp] is missing";
        }
        Map<String, String> mapping = mappings.computeIfAbsent(index, k -> new ConcurrentHashMap<>());
        synchronized (mapping) {
            Map<String, String> added = new java.util.HashMap<>();
            String conflict = map("", o, mapping, added);
            if (conflict != null) {
                return "document_parsing_exception|" + conflict;
            }
            mapping.putAll(added);
        }
        indices.computeIfAbsent(index, k -> new CopyOnWriteArrayList<>()).add(o);
        return null;
    }

    /** Dynamic mapping: the first value of a field fixes its type; a value that cannot fit is an error. */
    private String map(String prefix, JsonNode node, Map<String, String> mapping, Map<String, String> added) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            String path = prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey();
            List<JsonNode> values = new ArrayList<>();
            if (f.getValue().isArray()) {
                f.getValue().forEach(values::add);
            } else {
                values.add(f.getValue());
            }
            for (JsonNode v : values) {
                if (v.isNull()) {
                    continue;
                }
                String type = v.isObject() ? "object" : v.isIntegralNumber() ? "long" : v.isNumber() ? "float"
                        : v.isBoolean() ? "boolean" : "keyword";
                String mapped = mapping.getOrDefault(path, added.get(path));
                if (mapped == null) {
                    added.put(path, type);
                    mapped = type;
                }
                if (mapped.equals("object") && !type.equals("object")) {
                    return "object mapping for [" + path + "] tried to parse field [" + f.getKey()
                            + "] as object, but found a concrete value";
                }
                if (!mapped.equals("object") && type.equals("object")) {
                    return "[1:1] failed to parse field [" + path + "] of type [" + mapped
                            + "] in document. Preview of field's value: '" + v + "'";
                }
                if ((mapped.equals("long") || mapped.equals("float")) && v.isTextual() && !numeric(v.asText())) {
                    return "[1:1] failed to parse field [" + path + "] of type [" + mapped
                            + "] in document. Preview of field's value: '" + v.asText() + "'";
                }
                if (type.equals("object")) {
                    String inner = map(path, v, mapping, added);
                    if (inner != null) {
                        return inner;
                    }
                }
            }
        }
        return null;
    }

    private static boolean numeric(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private Reply error(int status, String type, String reason) {
        return Reply.json(status, "{\"error\":{\"root_cause\":[{\"type\":\"" + type + "\",\"reason\":\"" + reason
                + "\"}],\"type\":\"" + type + "\",\"reason\":\"" + reason + "\"},\"status\":" + status + "}");
    }

}
