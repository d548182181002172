package io.tetragonroutes.sink.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
                    ObjectNode doc = document(ecs, batch.list().get(i));
                    List<String> diffs = new ArrayList<>();
                    contains("", deliberately(expected.get(i).deepCopy()), doc, diffs);
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
    void whatWeAddBeyondTheIntegration() throws IOException {
        String line = Samples.lines("events/process_exec.jsonl").get(0);
        TetragonEvent e = parser.parse(Samples.batch("x", List.of(line))).list().get(0);
        e.extras().putObject("rule").put("severity", "high").put("message", "m")
                .<ObjectNode>set("ids", mapper.createArrayNode().add("r1"))
                .<ObjectNode>set("tags", mapper.createArrayNode().add("T1611").add("stealth").add("cve.2099-1"))
                .set("author", mapper.createArrayNode().add("A. Sigma Author"));
        e.routeTo("alerts");
        ObjectNode doc = document(new EcsDocument(false, "logs-cilium_tetragon.log-prod"), e);
        assertEquals(e.time(), doc.path("@timestamp").asText());
        assertEquals("alert", doc.at("/event/kind").asText());
        assertEquals("process", doc.at("/event/category/0").asText());
        assertEquals("start", doc.at("/event/type/0").asText());
        assertEquals(73, doc.at("/event/severity").asInt());
        assertEquals("r1", doc.at("/rule/id/0").asText());
        assertEquals("[\"T1611\"]", doc.at("/threat/technique/id").toString(), "techniques only");
        assertEquals("[\"stealth\"]", doc.at("/threat/tactic/name").toString(), "ATT&CK v19's tactic names too");
        assertEquals("A. Sigma Author", doc.at("/rule/author/0").asText(), "a Sigma match names its author");
        assertEquals("prod", doc.at("/data_stream/namespace").asText());
        assertEquals("cilium_tetragon.log", doc.at("/data_stream/dataset").asText());
        assertTrue(doc.path("event").path("original").isMissingNode(), "no event.original unless preserving");
        assertEquals(line, doc.path("message").asText(), "message is the line as written");
        assertTrue(doc.path("cilium_tetragon").path("log").path("process_exec").path("process").path("binary")
                .isMissingNode(), "moved fields leave cilium_tetragon.log");
    }

    @Test
    void theLogIsTheLineLessTheMovedFieldsAndNoValueIsEmpty() throws IOException {
        List<String> lines = new ArrayList<>();
        for (Path p : Samples.lineFiles()) {
            lines.addAll(Samples.lines(p));
        }
        // what real lines rarely have: empty values at any depth, moved fields that are not strings, a body or a
        // process that is not an object, a loader's parent, numbers of every size
        lines.add("""
                {"process_exec":{"process":{"arguments":"  a\\tb  c ","binary":"","pid":null,"uid":0,"tid":{},\
                "pod":{"name":"p","container":{"image":{"name":"i","id":""}}}},"parent":{"arguments":""}},\
                "node_name":"n","time":"2024-01-01T00:00:00Z","x":[null,"",{},[[]]],"y":[1,2.5,true,{"a":[]}],\
                "cluster_name":null,"big":123456789012345678901234567890,"l":12345678901234}""");
        lines.add("{\"process_exit\":{\"process\":\"s\",\"status\":0},\"node_name\":\"n\"}");
        lines.add("{\"process_loader\":{\"process\":{\"binary\":\"b\"},\"parent\":{\"binary\":\"p\"}}}");
        lines.add("{\"process_kprobe\":[1],\"node_name\":{\"a\":\"\"}}");
        EventBatch batch = parser.parse(Samples.batch("x", lines));
        assertEquals(List.of(), batch.getDeadLetters());
        for (TetragonEvent e : batch.list()) {
            ObjectNode doc = document(ecs, e);
            JsonNode line = mapper.readTree(e.originalText());
            assertEquals(dedotted(withoutEmpties(lessMoved(line.deepCopy(), e.typeKey())), false),
                    doc.at("/cilium_tetragon/log"),
                    e.originalText());
            assertEquals(doc, withoutEmpties(doc.deepCopy()), "no null, \"\", {} or [] in " + doc);
            assertEquals(e.originalText(), doc.path("message").asText());
            assertEquals(e.originalText(), doc.at("/event/original").asText());
            JsonNode body = line.path(e.typeKey());
            JsonNode process = ABOUT_A_PROCESS.contains(e.typeKey()) ? body.path("process") : mapper.missingNode();
            if (process.isObject() && process.path("binary").asText("").length() > 0) {
                assertEquals(process.get("binary"), doc.at("/process/executable"));
            }
            if (process.path("arguments").isTextual() && !process.path("arguments").asText().contains("\"")) {
                List<String> words = new ArrayList<>();
                if (process.path("binary").asText("").length() > 0) {
                    words.add(process.path("binary").asText());
                }
                String a = process.path("arguments").asText().trim();
                if (!a.isEmpty()) {
                    words.addAll(List.of(a.split("\\s+")));
                }
                List<String> args = new ArrayList<>();
                doc.at("/process/args").forEach(x -> args.add(x.asText()));
                assertEquals(words, args, "argv[0] and the words of the arguments");
                assertEquals(words.size(), doc.at("/process/args_count").asInt(words.isEmpty() ? 0 : -1));
            }
            if (e.typeKey().equals("process_exit") && body.hasNonNull("status")) {
                assertEquals(body.get("status"), doc.at("/process/exit_code"));
            }
        }
        ObjectNode edge = document(ecs, batch.list().get(batch.list().size() - 4));
        assertEquals(0, edge.at("/process/user/id").asInt(), "uid 0 is a user id, as text");
        assertEquals("i", edge.at("/container/image/name").asText());
        assertEquals("p", edge.at("/orchestrator/resource/name").asText());
        assertTrue(edge.at("/process/thread").isMissingNode() && edge.at("/process/parent").isMissingNode());
        assertEquals("s", document(ecs, batch.list().get(batch.list().size() - 3))
                .at("/cilium_tetragon/log/process_exit/process").asText(), "a process that is not an object stays");
        ObjectNode loader = document(ecs, batch.list().get(batch.list().size() - 2));
        assertEquals("p", loader.at("/cilium_tetragon/log/process_loader/parent/binary").asText(),
                "a loader's parent stays, as in the integration's pipeline");
        ObjectNode odd = document(ecs, batch.list().get(batch.list().size() - 1));
        assertTrue(odd.at("/host/name").isMissingNode(), "a node_name that is not text names no host");
        assertEquals("linux", odd.at("/host/os/type").asText(), "Tetragon runs on Linux only");
    }

    @Test
    void addedFieldsGoBesideAndReplaceOursOfTheSameName() throws IOException {
        String line = Samples.lines("events/process_exec.jsonl").get(0);
        TetragonEvent e = parser.parse(Samples.batch("x", List.of(line))).list().get(0);
        ObjectNode k8s = e.extras().putObject("kubernetes");
        k8s.putObject("pod").put("name", "web-1").put("empty", "").putObject("labels").put("app", "web");
        k8s.putObject("none").putNull("x");
        e.extras().putObject("host").put("name", "from-a-route");
        e.extras().put("cilium_tetragon", "not the line");
        ObjectNode doc = document(ecs, e);
        assertEquals(mapper.readTree("{\"pod\":{\"name\":\"web-1\",\"labels\":{\"app\":\"web\"}}}"),
                doc.get("kubernetes"), "empty values dropped from added fields too");
        assertEquals(mapper.readTree("{\"name\":\"from-a-route\"}"), doc.get("host"));
        assertEquals(withoutEmpties(lessMoved(mapper.readTree(line), e.typeKey())), doc.at("/cilium_tetragon/log"),
                "cilium_tetragon is always the line");
    }

    /**
     * Where we part from the integration's pipeline on purpose (issue #29), applied to its expected document:
     * labels and annotations leave {@code pod_labels} (the integration's own template refuses a concrete {@code app}
     * label there) for {@code orchestrator.resource.label}/{@code annotation}; {@code container.id} loses its runtime
     * prefix, which goes to {@code container.runtime}; {@code process.args} starts with argv[0], as ECS wants.
     */
    private JsonNode deliberately(JsonNode expected) {
        JsonNode log = expected.at("/cilium_tetragon/log");
        String type = ABOUT_A_PROCESS.stream().filter(log::has).findFirst().orElse("none");
        ObjectNode resource = ((ObjectNode) expected).with("orchestrator").with("resource");
        for (String who : List.of("process", "parent")) {
            if (log.path(type).path(who).path("pod") instanceof ObjectNode pod) {
                JsonNode labels = pod.remove("pod_labels");
                if (who.equals("process") && labels != null) {
                    ArrayNode list = resource.putArray("label");
                    labels.fields().forEachRemaining(f -> list.add(f.getKey() + ":" + f.getValue().asText()));
                }
                pod.remove("pod_annotations");
            }
        }
        if (expected.at("/container/id") instanceof com.fasterxml.jackson.databind.node.TextNode id) {
            String[] parts = id.asText().split("://", 2);
            ((ObjectNode) expected.get("container")).put("id", parts[1]).put("runtime", parts[0]);
        }
        for (String at : List.of("/process", "/process/parent")) {
            if (expected.at(at) instanceof ObjectNode p && p.has("args")) {
                // the integration splits on every space: a quoted argument ("-c" "\"command" "-v" ... "sh\"")
                // is one word again, without its quotes
                JsonNode theirs = p.get("args");
                ArrayNode words = p.putArray("args").add(p.get("executable").asText());
                StringBuilder quoted = null;
                for (JsonNode w : theirs) {
                    String t = w.asText();
                    if (quoted == null && t.startsWith("\"") && !(t.length() > 1 && t.endsWith("\""))) {
                        quoted = new StringBuilder(t.substring(1));
                    } else if (quoted != null) {
                        quoted.append(' ').append(t.endsWith("\"") ? t.substring(0, t.length() - 1) : t);
                        if (t.endsWith("\"")) {
                            words.add(quoted.toString());
                            quoted = null;
                        }
                    } else {
                        words.add(t.length() > 1 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t);
                    }
                }
            }
        }
        return expected;
    }

    /** The event types whose process fields the pipeline moves (a newer type it does not know keeps them). */
    private static final List<String> ABOUT_A_PROCESS = List.of("process_exec", "process_exit", "process_kprobe",
            "process_tracepoint", "process_loader", "process_lsm", "process_uprobe");
    private static final List<String> MOVED = List.of("arguments", "binary", "cwd", "pid", "exec_id", "tid", "uid",
            "start_time");

    /** The integration pipeline's renames: what leaves cilium_tetragon.log. */
    private static JsonNode lessMoved(JsonNode line, String type) {
        if (!ABOUT_A_PROCESS.contains(type) || !(line.get(type) instanceof ObjectNode body)) {
            return line;
        }
        if (body.get("parent") instanceof ObjectNode p && p.get("pod") instanceof ObjectNode pod) {
            pod.remove(List.of("pod_labels", "pod_annotations")); // to orchestrator.resource.label/annotation
        }
        if (body.get("process") instanceof ObjectNode p) {
            p.remove(MOVED);
            if (p.get("pod") instanceof ObjectNode pod) {
                pod.remove(List.of("name", "namespace", "workload_kind", "pod_labels", "pod_annotations"));
                if (pod.get("container") instanceof ObjectNode c) {
                    c.remove(List.of("name", "id"));
                    if (c.get("image") instanceof ObjectNode image) {
                        image.remove("name");
                    }
                }
            }
        }
        if (!type.equals("process_loader") && body.get("parent") instanceof ObjectNode p) {
            p.remove(MOVED);
        }
        return line;
    }

    /** Keys of labels and annotations (free-form maps) with their dots replaced by underscores, as Beats' dedot. */
    private static JsonNode dedotted(JsonNode n, boolean freeForm) {
        if (n instanceof ObjectNode o) {
            ObjectNode copy = o.objectNode();
            o.properties().forEach(f -> copy.set(freeForm ? f.getKey().replace('.', '_') : f.getKey(),
                    dedotted(f.getValue(), f.getKey().endsWith("labels") || f.getKey().endsWith("annotations"))));
            return copy;
        }
        if (n instanceof ArrayNode a) {
            ArrayNode copy = a.arrayNode();
            a.forEach(el -> copy.add(dedotted(el, false)));
            return copy;
        }
        return n;
    }

    /** The pipeline's last step, on a tree: no nulls, empty strings, empty objects or empty lists, at any depth. */
    private static JsonNode withoutEmpties(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.properties().removeIf(f -> isEmpty(withoutEmpties(f.getValue())));
        } else if (n instanceof ArrayNode a) {
            for (int i = a.size() - 1; i >= 0; i--) {
                if (isEmpty(withoutEmpties(a.get(i)))) {
                    a.remove(i);
                }
            }
        }
        return n;
    }

    private static boolean isEmpty(JsonNode n) {
        return n.isNull() || (n.isTextual() && n.asText().isEmpty()) || (n.isContainerNode() && n.isEmpty());
    }

    /** The document as Elasticsearch receives it, read back. */
    private ObjectNode document(EcsDocument ecs, TetragonEvent e) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ecs.write(e, out);
        return (ObjectNode) mapper.readTree(out.toByteArray());
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
