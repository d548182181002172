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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Our documents against Elastic's own oracle: for every input line of the cilium_tetragon integration's pipeline
 * tests (../shared/tetragon-samples/elastic), our document holds every field of the expected document with the same
 * value and JSON type. Fields we add beyond it (@timestamp, event.kind/category/type, data_stream, rule.*) are
 * allowed, and checked separately.
 */
class EcsCompatibilityTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final EventParser parser = new EventParser(mapper, new SimpleMeterRegistry());
    private final EcsDocument ecs = new EcsDocument(true, "logs-cilium_tetragon.log-default");

    @Test
    void everyExpectedFieldOfElasticsPipelineTestsIsInOurDocument() throws IOException {
        int checked = 0;
        try (var files = Files.list(Samples.dir().resolve("elastic"))) {
            for (Path input : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Samples.lines(input);
                JsonNode expected = mapper.readTree(Path.of(input + "-expected.json").toFile()).get("expected");
                assertEquals(lines.size(), expected.size(), input.toString());
                EventBatch batch = parser.parse(Samples.batch(input.toString(), lines));
                assertEquals(List.of(), batch.getDeadLetters());
                for (int i = 0; i < lines.size(); i++) {
                    ObjectNode doc = ecs.map(batch.getEvents().get(i));
                    List<String> diffs = new ArrayList<>();
                    contains("", expected.get(i), doc, diffs);
                    if (!diffs.isEmpty()) {
                        fail(input.getFileName() + " line " + (i + 1) + ":\n  " + String.join("\n  ", diffs));
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked >= 14, "every fixture line: " + checked);
    }

    @Test
    void whatWeAddBeyondTheIntegration() {
        String line = Samples.lines("events/process_exec.jsonl").get(0);
        TetragonEvent e = parser.parse(Samples.batch("x", List.of(line))).getEvents().get(0);
        e.extras().putObject("rule").put("severity", "high").put("message", "m")
                .<ObjectNode>set("ids", mapper.createArrayNode().add("r1"))
                .set("tags", mapper.createArrayNode().add("T1611"));
        e.routeTo("alerts");
        ObjectNode doc = new EcsDocument(false, "logs-cilium_tetragon.log-prod").map(e);
        assertEquals(e.time(), doc.path("@timestamp").asText());
        assertEquals("alert", doc.at("/event/kind").asText());
        assertEquals("process", doc.at("/event/category/0").asText());
        assertEquals("start", doc.at("/event/type/0").asText());
        assertEquals(73, doc.at("/event/severity").asInt());
        assertEquals("r1", doc.at("/rule/id/0").asText());
        assertEquals("T1611", doc.at("/threat/technique/id/0").asText());
        assertEquals("prod", doc.at("/data_stream/namespace").asText());
        assertEquals("cilium_tetragon.log", doc.at("/data_stream/dataset").asText());
        assertTrue(doc.path("event").path("original").isMissingNode(), "no event.original unless preserving");
        assertEquals(line, doc.path("message").asText(), "message is the line as written");
        assertTrue(doc.path("cilium_tetragon").path("log").path("process_exec").path("process").path("binary")
                .isMissingNode(), "moved fields leave cilium_tetragon.log");
    }

    /** Records where {@code actual} lacks or differs from something in {@code expected}. */
    private static void contains(String path, JsonNode expected, JsonNode actual, List<String> diffs) {
        if (actual == null || actual.isMissingNode()) {
            diffs.add(path + ": missing, expected " + expected);
            return;
        }
        if (expected.isObject()) {
            if (!actual.isObject()) {
                diffs.add(path + ": expected an object, got " + actual);
                return;
            }
            Iterator<Map.Entry<String, JsonNode>> it = expected.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                contains(path + "." + f.getKey(), f.getValue(), actual.get(f.getKey()), diffs);
            }
        } else if (!expected.equals(actual)) {
            diffs.add(path + ": expected " + expected + ", got " + actual);
        }
    }
}
