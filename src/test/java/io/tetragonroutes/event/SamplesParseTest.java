package io.tetragonroutes.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.sink.NdjsonFormatter;
import io.tetragonroutes.tail.LineBatch;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplesParseTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final EventParser parser = new EventParser(mapper, new SimpleMeterRegistry());

    private static LineBatch batch(List<String> lines) {
        return Samples.batch("sample", lines);
    }

    @Test
    void everySampleLineParsesIntoItsType() {
        int total = 0;
        for (Path file : Samples.lineFiles()) {
            List<String> lines = Samples.lines(file);
            EventBatch events = parser.parse(batch(lines));
            assertEquals(List.of(), events.getDeadLetters(), file + " has lines that did not parse");
            assertEquals(lines.size(), events.size(), file.toString());
            for (TetragonEvent e : events.list()) {
                String key = e.typeKey();
                assertTrue(e.root().has(key), key);
                if (file.getParent().getFileName().toString().equals("events")) {
                    // process_exec.jsonl holds process_exec events, and so on
                    assertEquals(file.getFileName().toString().replace(".jsonl", ""), key);
                    assertNotEquals(EventType.UNKNOWN, e.type());
                }
                assertTrue(e.nodeName() != null || e.root().has("time"), "node or time on " + key);
            }
            total += lines.size();
        }
        assertTrue(total >= 80, "expected the whole sample set, parsed " + total);
    }

    /** The fields read at parse time (enrichment and the Kafka key use them) are Jackson's full tree's values. */
    @Test
    void fieldsReadAtParseTimeMatchTheFullTree() {
        int withDocker = 0;
        for (Path file : Samples.lineFiles()) {
            for (TetragonEvent e : parser.parse(batch(Samples.lines(file))).list()) {
                JsonNode root = e.root(); // Jackson's own tree of the whole line
                JsonNode process = root.path(e.typeKey()).path("process");
                String where = file + " " + e.typeKey();
                assertEquals(text(root.get("node_name")), e.nodeName(), where);
                assertEquals(text(process.get("docker")), e.docker(), where);
                assertEquals(text(process.path("pod").get("namespace")), e.podNamespace(), where);
                assertEquals(text(process.path("pod").get("name")), e.podName(), where);
                assertEquals(text(process.path("pod").path("container").get("id")), e.containerId(), where);
                withDocker += e.docker() != null ? 1 : 0;
            }
        }
        assertTrue(withDocker > 0, "samples with a container id");
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    @Test
    void hostProcessesHaveNoPodAndMissingParentIsTolerated() {
        EventBatch events = parser.parse(batch(Samples.lines("events/process_exec.jsonl")));
        long withPod = events.list().stream().filter(e -> e.podNamespace() != null).count();
        long hostOnly = events.list().stream().filter(e -> e.podNamespace() == null).count();
        assertTrue(withPod > 0 && hostOnly > 0, withPod + " pod / " + hostOnly + " host events");
        for (TetragonEvent e : events.list()) {
            assertTrue(e.binary() != null, "every exec has a binary");
            if (e.parent().isMissingNode()) {
                assertNull(e.parent().get("pid"));
            }
        }
    }

    @Test
    void unchangedEventsAreWrittenByteForByte() throws Exception {
        NdjsonFormatter ndjson = new NdjsonFormatter(mapper);
        for (Path file : Samples.lineFiles()) {
            List<String> lines = Samples.lines(file);
            byte[] out = ndjson.events(parser.parse(batch(lines)));
            byte[] expected = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(expected, out, file.toString());
        }
    }

    @Test
    void addedFieldsKeepEveryOriginalValueAndJsonType() throws Exception {
        NdjsonFormatter ndjson = new NdjsonFormatter(mapper);
        for (Path file : Samples.lineFiles()) {
            List<String> lines = Samples.lines(file);
            EventBatch events = parser.parse(batch(lines));
            for (TetragonEvent e : events.list()) {
                e.extras().putObject("rule").put("severity", "high").putArray("ids").add("x");
            }
            String[] written = new String(ndjson.events(events), StandardCharsets.UTF_8).split("\n");
            assertEquals(lines.size(), written.length);
            for (int i = 0; i < lines.size(); i++) {
                ObjectNode original = (ObjectNode) mapper.readTree(lines.get(i));
                ObjectNode back = (ObjectNode) mapper.readTree(written[i]);
                assertEquals("high", back.path("rule").path("severity").asText());
                back.remove("rule");
                assertEquals(original, back, file + " line " + (i + 1));
                assertSameJsonTypes(original, back, "");
            }
        }
    }

    @Test
    void sixtyFourBitIntegersStayStringsAndBytesStayBase64() {
        EventBatch events = parser.parse(batch(Samples.lines("events/process_kprobe.jsonl")));
        List<String> seen = new ArrayList<>();
        for (TetragonEvent e : events.list()) {
            for (JsonNode arg : e.body().path("args")) {
                if (arg.has("size_arg")) {
                    assertTrue(arg.get("size_arg").isTextual(), "size_arg is a JSON string in Tetragon's export");
                    seen.add("size_arg");
                }
                if (arg.has("bytes_arg")) {
                    assertTrue(arg.get("bytes_arg").isTextual());
                    seen.add("bytes_arg");
                }
            }
        }
        assertTrue(seen.contains("size_arg") && seen.contains("bytes_arg"), seen.toString());
    }

    @Test
    void bothSeparatorStylesParseToTheSameTree() throws Exception {
        String compact = Samples.lines("events/process_throttle.jsonl").get(0);
        String spaced = compact.replace(",\"", ", \"");
        assertNotEquals(compact, spaced);
        EventBatch events = parser.parse(batch(List.of(compact, spaced)));
        assertEquals(2, events.size());
        assertEquals(events.list().get(0).root(), events.list().get(1).root());
        assertFalse(events.list().get(0).hasExtras());
    }

    private static void assertSameJsonTypes(JsonNode a, JsonNode b, String path) {
        assertEquals(a.getNodeType(), b.getNodeType(), path);
        Iterator<Map.Entry<String, JsonNode>> it = a.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            assertSameJsonTypes(f.getValue(), b.get(f.getKey()), path + "." + f.getKey());
        }
        for (int i = 0; a.isArray() && i < a.size(); i++) {
            assertSameJsonTypes(a.get(i), b.get(i), path + "[" + i + "]");
        }
    }
}
