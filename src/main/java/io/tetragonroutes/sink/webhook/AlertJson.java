package io.tetragonroutes.sink.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.rules.MessageTemplate;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * The JSON a webhook receives for one alert. By default: {@code rule_id}, {@code rule_ids}, {@code severity},
 * {@code message}, {@code count}, {@code tags}, {@code time}, {@code node}, {@code pod}, {@code process} and the
 * whole {@code event}. A template is a JSON document whose string values may hold {@code {field.path}}
 * placeholders; values are inserted as JSON strings (escaped by the JSON writer), so event data can never change
 * the body's structure, a URL or a header.
 */
public final class AlertJson {

    private final ObjectMapper mapper;
    private final JsonNode template; // null = the default body

    public AlertJson(ObjectMapper mapper, String template) {
        this.mapper = mapper;
        try {
            this.template = template == null || template.isBlank() ? null : compile(mapper.readTree(template));
        } catch (IOException e) {
            throw new IllegalArgumentException("webhook body template is not JSON: " + e.getMessage(), e);
        }
    }

    public byte[] body(TetragonEvent e) throws IOException {
        return mapper.writeValueAsBytes(template == null ? standard(e) : render(template, e));
    }

    private ObjectNode standard(TetragonEvent e) throws IOException {
        ObjectNode o = mapper.createObjectNode();
        JsonNode rule = e.hasExtras() ? e.extras().path("rule") : mapper.missingNode();
        JsonNode ids = rule.path("ids");
        o.put("rule_id", ids.path(0).asText(null));
        o.set("rule_ids", ids.isArray() ? ids : mapper.createArrayNode());
        o.put("severity", rule.path("severity").asText(null));
        o.put("message", rule.path("message").asText(null));
        o.put("count", rule.path("count").asLong(1));
        o.set("tags", rule.path("tags").isArray() ? rule.get("tags") : mapper.createArrayNode());
        o.put("time", e.time());
        o.put("node", e.nodeName());
        o.put("type", e.typeKey());
        if (e.podNamespace() != null) {
            o.putObject("pod").put("namespace", e.podNamespace()).put("name", e.podName())
                    .put("container", e.process().path("pod").path("container").path("name").asText(null));
        } else {
            o.putNull("pod");
        }
        JsonNode p = e.process();
        ObjectNode process = o.putObject("process");
        process.put("binary", e.binary());
        process.put("arguments", p.path("arguments").asText(null));
        process.set("pid", p.path("pid").isMissingNode() ? null : p.get("pid"));
        process.set("uid", p.path("uid").isMissingNode() ? null : p.get("uid"));
        process.put("exec_id", p.path("exec_id").asText(null));
        ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
        e.writeJson(out, mapper);
        o.set("event", mapper.readTree(out.toByteArray()));
        return o;
    }

    /** Replaces string leaves holding placeholders by compiled templates (kept in a POJO node). */
    private JsonNode compile(JsonNode n) {
        if (n.isTextual() && n.textValue().indexOf('{') >= 0) {
            return mapper.getNodeFactory().pojoNode(MessageTemplate.compile(n.textValue()));
        }
        if (n.isObject()) {
            ObjectNode copy = mapper.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                copy.set(f.getKey(), compile(f.getValue()));
            }
            return copy;
        }
        if (n.isArray()) {
            ArrayNode copy = mapper.createArrayNode();
            n.forEach(x -> copy.add(compile(x)));
            return copy;
        }
        return n;
    }

    private JsonNode render(JsonNode n, TetragonEvent e) {
        if (n.isPojo() && ((com.fasterxml.jackson.databind.node.POJONode) n).getPojo() instanceof MessageTemplate t) {
            return TextNode.valueOf(t.render(e));
        }
        if (n.isObject()) {
            ObjectNode copy = mapper.createObjectNode();
            n.fields().forEachRemaining(f -> copy.set(f.getKey(), render(f.getValue(), e)));
            return copy;
        }
        if (n.isArray()) {
            ArrayNode copy = mapper.createArrayNode();
            n.forEach(x -> copy.add(render(x, e)));
            return copy;
        }
        return n;
    }
}
