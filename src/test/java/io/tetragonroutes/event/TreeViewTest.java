package io.tetragonroutes.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.rules.FieldPath;
import io.tetragonroutes.tail.Line;
import io.tetragonroutes.tail.LineBatch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The partial tree the parser builds: the same values as the full tree where demanded, and every byte validated. */
class TreeViewTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final EventParser parser = new EventParser(mapper, new SimpleMeterRegistry());

    private static final List<FieldDemand.Path> PATHS = List.of(
            new FieldDemand.Path(FieldDemand.Root.TOP, List.of("node_name")),
            new FieldDemand.Path(FieldDemand.Root.BODY, List.of("process", "binary")),
            new FieldDemand.Path(FieldDemand.Root.BODY, List.of("process", "pod", "pod_labels")),
            new FieldDemand.Path(FieldDemand.Root.BODY, List.of("process", "cap", "effective")),
            new FieldDemand.Path(FieldDemand.Root.BODY, java.util.Arrays.asList("args", null, "file_arg", "path")),
            new FieldDemand.Path(FieldDemand.Root.BODY, List.of("args", "sock_arg", "daddr")),
            new FieldDemand.Path(FieldDemand.Root.BODY, java.util.Arrays.asList("ancestors", null, "binary")));

    @Test
    void demandedPathsReadTheSameFromThePartialTreeAsFromTheFullOne() throws Exception {
        FieldDemand.Snapshot demand = FieldDemand.snapshot(1, PATHS);
        int lines = 0;
        int partial = 0;
        for (Path file : Samples.lineFiles()) {
            for (String text : Samples.lines(file)) {
                TetragonEvent e = read(text, demand);
                JsonNode full = mapper.readTree(text);
                assertSubset(e.tree(1), full, file + ": " + text);
                for (FieldDemand.Path p : PATHS) {
                    JsonNode from = p.root() == FieldDemand.Root.TOP ? full : full.path(e.typeKey());
                    JsonNode in = p.root() == FieldDemand.Root.TOP ? e.tree(1) : e.body(1);
                    assertEquals(walk(from, p.names(), 0), walk(in, p.names(), 0), p + " in " + text);
                }
                assertEquals(full, e.root(), "the full tree is the line");
                partial += e.tree(1).equals(full) ? 0 : 1;
                lines++;
            }
        }
        assertTrue(lines >= 80, "parsed " + lines);
        assertTrue(partial > lines / 2, "the partial tree should leave most of a line out: " + partial + "/" + lines);
    }

    @Test
    void aPathRegisteredAfterTheLineWasReadIsAnsweredFromTheFullTree() throws Exception {
        String text = Samples.lines("events/process_exec.jsonl").get(0);
        TetragonEvent e = read(text, FieldDemand.snapshot(0, FieldDemand.base())); // as before any rule loaded
        FieldPath cwd = FieldPath.compile("process_exec.process.cwd");
        String expected = mapper.readTree(text).path("process_exec").path("process").path("cwd").asText();
        assertEquals(expected, cwd.first(e).asText());
        assertNotSame(e.tree(0), e.tree(Integer.MAX_VALUE), "the full tree was built for it");
        assertSame(e.root(), e.root(), "once");
    }

    @Test
    void badBytesInsideSkippedValuesStillMakeTheLineADeadLetter() {
        String good = Samples.lines("events/process_exec.jsonl").get(0);
        // no rule can name a member Tetragon's schema does not have: the parser skips it, but must still reject it
        byte[] utf = "{\"process_exec\":{\"process\":{\"zz_unknown\":\"/x\u00ff\",\"binary\":\"/bin/sh\"}},\"time\":\"t\"}"
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] structure = "{\"process_exec\":{\"process\":{\"binary\":\"/bin/sh\"},\"zz_unknown\":[{\"a\":1},2}}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] control = "{\"process_exec\":{\"unknown_member\":\"a\u0001b\"}}".getBytes(StandardCharsets.UTF_8);
        LineBatch.Builder b = LineBatch.builder();
        for (byte[] l : List.of(utf, structure, control, good.getBytes(StandardCharsets.UTF_8))) {
            b.add(l, 0, l.length, "f", 0);
        }
        EventBatch out = parser.parse(b.build());
        assertEquals(1, out.size());
        assertEquals(List.of("invalid_utf8", "malformed_json", "malformed_json"),
                out.getDeadLetters().stream().map(DeadLetter::reason).toList());
        assertArrayEquals(utf, out.getDeadLetters().get(0).line());
    }

    @Test
    void additionsAreSplicedIntoTheOriginalBytesOrMergedWhenTheyWouldDuplicateAKey() throws Exception {
        String text = Samples.lines("events/process_kprobe.jsonl").get(0);
        TetragonEvent e = read(text, FieldDemand.current());
        e.extras().putObject("rule").put("severity", "high");
        SharedJson pod = SharedJson.of(mapper.createObjectNode().put("namespace", "shop\u00e9\"").put("n", 1));
        e.addShared("kubernetes", pod);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        e.writeJson(out, mapper);
        JsonNode written = mapper.readTree(out.toByteArray());
        assertEquals("high", written.path("rule").path("severity").asText());
        assertEquals(pod.tree(), written.path("kubernetes"), "the shared bytes, as they were encoded");
        assertEquals(mapper.readTree(text).size() + 2, written.size());
        assertEquals(mapper.readTree(text).path("process_kprobe"), written.path("process_kprobe"));

        String withNode = "{\"node_name\":\"a\",\"kubernetes\":{\"old\":1},\"process_exit\":{}}";
        TetragonEvent d = read(withNode, FieldDemand.current());
        d.extras().putObject("kubernetes").put("new", 2);
        out.reset();
        d.writeJson(out, mapper);
        assertEquals(mapper.readTree("{\"node_name\":\"a\",\"kubernetes\":{\"new\":2},\"process_exit\":{}}"),
                mapper.readTree(out.toByteArray()), "one kubernetes member, ours");
    }

    private TetragonEvent read(String text, FieldDemand.Snapshot demand) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Line line = new Line(bytes, 0, bytes.length, "f", 0, Line.Status.OK, null);
        try (var p = mapper.getFactory().createParser(bytes)) {
            p.nextToken();
            return TreeView.read(p, demand, line, mapper.reader());
        }
    }

    /** The values at a path ([*] or a name meeting an array reads each element), in document order. */
    private static List<JsonNode> walk(JsonNode n, List<String> names, int i) {
        List<JsonNode> out = new ArrayList<>();
        if (n == null || n.isMissingNode()) {
            return out;
        }
        if (i == names.size()) {
            out.add(n);
        } else if (names.get(i) == null) { // [*]
            n.forEach(el -> out.addAll(walk(el, names, i + 1)));
        } else if (n.isArray()) {
            n.forEach(el -> out.addAll(walk(el, names, i)));
        } else {
            out.addAll(walk(n.get(names.get(i)), names, i + 1));
        }
        return out;
    }

    /** Every member of {@code part} is in {@code full} with the same value or, for objects, a subset of it. */
    private static void assertSubset(JsonNode part, JsonNode full, String where) {
        if (part.isObject()) {
            assertTrue(full.isObject(), where);
            Iterator<Map.Entry<String, JsonNode>> it = part.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> m = it.next();
                assertTrue(full.has(m.getKey()), m.getKey() + " in " + where);
                assertSubset(m.getValue(), full.get(m.getKey()), where);
            }
        } else if (part.isArray()) {
            assertEquals(full.size(), part.size(), where);
            for (int k = 0; k < part.size(); k++) {
                assertSubset(part.get(k), full.get(k), where);
            }
        } else {
            assertEquals(full, part, where);
        }
    }
}
