package io.tetragonroutes.sink.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.event.TetragonEvent;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kibana dashboard (k8s/observability/kibana-tetragon.ndjson, saved objects for
 * {@code POST /api/saved_objects/_import}). Kibana cannot run here, so what can be checked is checked: every line
 * is a saved object, every reference resolves, the data view covers the sink's default data stream, and every field
 * a visualization aggregates or a query names is a field the sink writes for the real samples and alerts.
 */
class KibanaDashboardTest {

    private static final Pattern KQL_FIELD = Pattern.compile("([a-z_@][a-z0-9_.@]*)\\s*:");
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void everyFieldTheDashboardUsesIsOneTheSinkWrites() throws IOException {
        List<JsonNode> objects = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("k8s/observability/kibana-tetragon.ndjson"))) {
            objects.add(mapper.readTree(line));
        }
        Map<String, JsonNode> byId = new HashMap<>();
        objects.forEach(o -> byId.put(o.path("type").asText() + "/" + o.path("id").asText(), o));
        Set<String> used = new TreeSet<>();
        int visualizations = 0;
        for (JsonNode o : objects) {
            for (JsonNode ref : o.path("references")) {
                assertTrue(byId.containsKey(ref.path("type").asText() + "/" + ref.path("id").asText()),
                        o.path("id") + " refers to " + ref);
            }
            JsonNode attributes = o.path("attributes");
            if (o.path("type").asText().equals("index-pattern")) {
                assertEquals("logs-cilium_tetragon.log-*", attributes.path("title").asText());
                used.add(attributes.path("timeFieldName").asText());
            }
            if (o.path("type").asText().equals("visualization")) {
                visualizations++;
                JsonNode vis = mapper.readTree(attributes.path("visState").asText());
                for (JsonNode agg : vis.path("aggs")) {
                    if (agg.at("/params/field").isTextual()) {
                        used.add(agg.at("/params/field").asText());
                    }
                }
            }
            String search = attributes.at("/kibanaSavedObjectMeta/searchSourceJSON").asText("");
            if (!search.isEmpty()) {
                Matcher m = KQL_FIELD.matcher(mapper.readTree(search).at("/query/query").asText());
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        assertEquals(7, visualizations);
        Set<String> written = writtenFields();
        List<String> missing = used.stream().filter(f -> !written.contains(f)).toList();
        assertEquals(List.of(), missing, "fields the dashboard uses and the sink never writes");
        assertTrue(used.containsAll(List.of("event.code", "process.executable", "orchestrator.resource.name",
                "rule.id", "rule.severity", "threat.technique.id", "destination.ip")), used.toString());
    }

    /** Every field path of the documents the sink writes for the samples, with rule results on each. */
    private Set<String> writtenFields() throws IOException {
        EventParser parser = new EventParser(mapper, new SimpleMeterRegistry());
        EcsDocument ecs = new EcsDocument(false, "logs-cilium_tetragon.log-default");
        List<String> lines = new ArrayList<>();
        for (Path p : Samples.lineFiles()) {
            lines.addAll(Samples.lines(p));
        }
        lines.add("""
                {"process_kprobe":{"process":{"exec_id":"bjoxOjI=","pid":2,"uid":0,"binary":"/usr/bin/curl"},\
                "function_name":"tcp_connect","args":[{"sock_arg":{"family":"AF_INET","protocol":"IPPROTO_TCP",\
                "saddr":"10.0.0.5","daddr":"93.184.215.14","sport":40522,"dport":443}}]},"node_name":"n1"}""");
        EventBatch batch = parser.parse(Samples.batch("x", lines));
        Set<String> fields = new TreeSet<>();
        for (TetragonEvent e : batch.list()) {
            ObjectNode rule = e.extras().putObject("rule").put("severity", "high").put("message", "m");
            rule.putArray("ids").add("r1");
            rule.putArray("tags").add("T1059");
            e.routeTo("alerts");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ecs.write(e, out);
            paths("", mapper.readTree(out.toByteArray()), fields);
        }
        return fields;
    }

    private static void paths(String prefix, JsonNode n, Set<String> out) {
        if (n.isObject()) {
            n.fields().forEachRemaining(f -> paths(prefix.isEmpty() ? f.getKey() : prefix + "." + f.getKey(),
                    f.getValue(), out));
        } else if (n.isArray()) {
            n.forEach(el -> paths(prefix, el, out));
        } else {
            out.add(prefix);
        }
    }
}
