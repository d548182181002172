package io.tetragonroutes.sink.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.Samples;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The index template Fleet installs for Elastic's {@code cilium_tetragon} integration, rebuilt at test time from
 * its files in {@code ../shared/elastic-integration/} the way that folder's README says Fleet combines them: each
 * {@code fields.yml} entry (plus {@code agent.yml} and {@code base-fields.yml}) becomes a mapping of its type,
 * {@code group} an object, dotted names expanded into objects (where a plain field and an object share a name,
 * the first declared wins), {@code ecs@mappings}' dynamic templates added, {@code date_detection} off.
 * <p>
 * Types the test servers lack become the nearest they have, and that is all that differs from Fleet's template:
 * {@code constant_keyword} -> {@code keyword} (tests check its one value themselves), {@code wildcard} ->
 * {@code keyword}, {@code match_only_text} -> {@code text}, {@code scaled_float} -> {@code float}; on OpenSearch
 * also {@code flattened} -> {@code flat_object}, and a dynamic template's list of {@code path_match}/{@code match}
 * patterns (Elasticsearch 8.9+) becomes one template per pattern.
 */
public final class IntegrationTemplate {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private IntegrationTemplate() {
    }

    /** The template body for {@code PUT _index_template/<name>}: a data stream for {@code pattern}. */
    public static ObjectNode build(String pattern, boolean opensearch) throws IOException {
        Path dir = Samples.dir().getParent().resolve("elastic-integration");
        ObjectNode properties = MAPPER.createObjectNode();
        for (String file : List.of("base-fields.yml", "agent.yml", "fields.yml")) {
            Object yaml = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(dir.resolve(file)));
            for (Object f : (List<?>) yaml) {
                add(properties, "", (Map<?, ?>) f, opensearch);
            }
        }
        String ecs = Files.readString(dir.resolve("ecs@mappings.json"))
                .replace("${xpack.stack.template.version}", "1").replace("${xpack.stack.template.deprecated}", "false");
        ArrayNode dynamic = MAPPER.createArrayNode();
        for (JsonNode t : MAPPER.readTree(ecs).at("/template/mappings/dynamic_templates")) {
            String name = t.fieldNames().next();
            ObjectNode body = (ObjectNode) t.get(name).deepCopy();
            convert((ObjectNode) body.get("mapping"), opensearch);
            String listed = opensearch ? (body.get("path_match") instanceof ArrayNode ? "path_match"
                    : body.get("match") instanceof ArrayNode ? "match" : null) : null;
            if (listed == null) {
                dynamic.addObject().set(name, body);
                continue;
            }
            int i = 0;
            for (JsonNode pattern1 : body.get(listed)) {
                ObjectNode one = body.deepCopy();
                one.put(listed, pattern1.asText());
                dynamic.addObject().set(name + "_" + i++, one);
            }
        }
        ObjectNode template = MAPPER.createObjectNode();
        template.putArray("index_patterns").add(pattern);
        template.putObject("data_stream");
        template.put("priority", 200);
        ObjectNode t = template.putObject("template");
        t.putObject("settings").putObject("index").put("number_of_replicas", 0)
                .putObject("mapping").putObject("total_fields").put("limit", 10000);
        ObjectNode mappings = t.putObject("mappings");
        mappings.put("date_detection", false);
        mappings.set("dynamic_templates", dynamic);
        mappings.set("properties", properties);
        template.putObject("_meta").put("managed_by", "fleet").put("package", "cilium_tetragon");
        return template;
    }

    /** Adds one fields.yml entry under {@code prefix}. */
    private static void add(ObjectNode properties, String prefix, Map<?, ?> field, boolean opensearch) {
        String name = prefix + field.get("name");
        String type = String.valueOf(field.get("type"));
        Object children = field.get("fields");
        if (type.equals("group") || (children != null && !type.equals("nested"))) {
            for (Object c : (List<?>) children) {
                add(properties, name + ".", (Map<?, ?>) c, opensearch);
            }
            return;
        }
        ObjectNode mapping = MAPPER.createObjectNode();
        mapping.put("type", type);
        convert(mapping, opensearch);
        if (type.equals("nested") && children != null) {
            ObjectNode inner = mapping.putObject("properties");
            for (Object c : (List<?>) children) {
                add(inner, "", (Map<?, ?>) c, opensearch);
            }
        }
        put(properties, name.split("\\."), 0, mapping);
    }

    /** Puts a leaf at a dotted path; the first declaration wins where a leaf and an object meet. */
    private static void put(ObjectNode properties, String[] path, int i, ObjectNode mapping) {
        JsonNode existing = properties.get(path[i]);
        if (i == path.length - 1) {
            if (existing == null) {
                properties.set(path[i], mapping);
            }
            return;
        }
        ObjectNode obj;
        if (existing == null) {
            obj = properties.putObject(path[i]);
            obj.put("type", "object");
        } else if (existing.path("type").asText().equals("object") || existing.path("type").asText().equals("nested")) {
            obj = (ObjectNode) existing;
        } else {
            return; // a plain field was declared first under this name
        }
        put(obj.with("properties"), path, i + 1, mapping);
    }

    private static void convert(ObjectNode mapping, boolean opensearch) {
        String type = mapping.path("type").asText();
        switch (type) {
            case "constant_keyword", "wildcard" -> mapping.put("type", "keyword");
            case "match_only_text" -> mapping.put("type", "text");
            case "scaled_float" -> {
                mapping.put("type", "float");
                mapping.remove("scaling_factor");
            }
            case "flattened" -> {
                if (opensearch) {
                    mapping.put("type", "flat_object");
                }
            }
            case "object" -> mapping.remove("object_type");
            default -> { }
        }
        mapping.remove("value");
        mapping.remove("object_type");
        if (mapping.get("fields") instanceof ObjectNode multi) {
            multi.fields().forEachRemaining(f -> convert((ObjectNode) f.getValue(), opensearch));
        }
    }
}
