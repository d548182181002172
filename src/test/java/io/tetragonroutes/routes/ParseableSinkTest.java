package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.Samples;
import io.tetragonroutes.demo.DemoExport;
import io.tetragonroutes.demo.LumberjackWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped routes with tetragon.sink.parseable.url set, against a Parseable double that speaks its HTTP API and
 * flattens as it does: every event arrives once (arrays exploded into rows), a refused event is isolated and
 * dead-lettered with Parseable's text, outages and resets lose and duplicate nothing, a deleted stream is created
 * again, an over-large request is split, and wrong credentials stop the sink without spinning.
 */
@Timeout(120)
class ParseableSinkTest extends ParseableTestSupport {

    private final DemoExport gen = new DemoExport(41, "parseable-node");

    @Override
    protected void properties(Properties p) {
        super.properties(p);
        p.put("tetragon.sink.parseable.metadata", "node=parseable-node; cluster=test");
        p.put("tetragon.sink.parseable.max-batch-events", "10");
        p.put("tetragon.export.batch-size", "50");
    }

    private List<String> writeGenerated(int n, String extraLine) throws IOException {
        List<String> keys = new ArrayList<>();
        try (LumberjackWriter w = new LumberjackWriter(export, 10_000_000, 5, false)) {
            for (int i = 0; i < n; i++) {
                byte[] line = gen.next();
                w.writeLine(line);
                keys.add(key(mapper.readTree(line)));
                if (i == n / 2 && extraLine != null) {
                    w.writeLine(extraLine.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        assertEquals(n, new HashSet<>(keys).size(), "the generated events are distinct");
        return keys;
    }

    private Map<String, Integer> rowsPerEvent() {
        Map<String, Integer> out = new HashMap<>();
        for (ObjectNode row : parseable.rows("tetragon")) {
            out.merge(rowKey(row), 1, Integer::sum);
        }
        return out;
    }

    @Test
    void everySampleEventArrivesWithArraysExplodedIntoRows() throws Exception {
        List<String> lines = new ArrayList<>(Samples.lines("events/process_exec.jsonl"));
        lines.addAll(Samples.lines("events/process_kprobe.jsonl"));
        lines.addAll(Samples.lines("events/process_exit.jsonl"));
        Files.createDirectories(export.getParent());
        Files.write(export, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));

        int expectedRows = 0;
        for (String l : lines) {
            expectedRows += Math.max(1, explodedRows(mapper.readTree(l)));
        }
        int want = expectedRows;
        await().atMost(Duration.ofSeconds(60)).until(() -> parseable.rows("tetragon").size() >= want);
        List<ObjectNode> rows = parseable.rows("tetragon");
        assertEquals(want, rows.size(), "one row per event, times each element of its object arrays");
        ObjectNode kprobe = rows.stream().filter(r -> r.has("process_kprobe_function_name")).findFirst().orElseThrow();
        assertEquals("parseable-node", kprobe.path("node").asText(), "X-P-node became a column");
        assertEquals("test", kprobe.path("cluster").asText());
        var first = parseable.requests().get(0);
        assertEquals("PUT", first.method(), "the stream is created up front");
        assertEquals("/api/v1/logstream/tetragon", first.path());
        assertTrue(parseable.requests().stream().filter(r -> r.method().equals("POST"))
                .allMatch(r -> r.status() == 200 && "tetragon".equals(r.header("X-P-Stream"))));
        long all = lineCount(data.resolve("out/events.ndjson")); // what reached the `all` output
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals((double) all,
                registry.counter("tetragon.sink.events", "sink", "parseable", "output", "all").count()));
    }

    /** How many rows Parseable makes of one event: the product of the sizes of its arrays of objects. */
    private static int explodedRows(JsonNode n) {
        int rows = 1;
        if (n.isObject()) {
            for (JsonNode v : n) {
                rows *= explodedRows(v);
            }
        } else if (n.isArray() && n.size() > 0 && n.get(0).isObject()) {
            int sum = 0;
            for (JsonNode e : n) {
                sum += explodedRows(e);
            }
            rows = sum;
        }
        return rows;
    }

    @Test
    void aRefusedEventIsIsolatedAndDeadLetteredAndTheRestArriveOnce() throws Exception {
        String bad = "{\"process_exec\":{\"process\":{\"exec_id\":\"YmFk\",\"binary\":\"/bin/true\"}},"
                + "\"node_name\":\"parseable-node\",\"time\":\"2026-11-23T00:00:00Z\",\"p_timestamp\":\"x\"}";
        List<String> keys = writeGenerated(60, bad);

        await().atMost(Duration.ofSeconds(60)).until(() -> rowsPerEvent().keySet().containsAll(keys)
                && lineCount(data.resolve("dead-letter/dead-letter.ndjson")) >= 1);
        assertEquals(Set.copyOf(keys), rowsPerEvent().keySet(), "every good event, and not the refused one");
        JsonNode dead = mapper.readTree(Files.readAllLines(data.resolve("dead-letter/dead-letter.ndjson")).get(0));
        assertEquals("parseable_rejected", dead.path("reason").asText());
        assertTrue(dead.path("detail").asText().contains("p_timestamp is reserved"), dead.toString());
        assertTrue(dead.path("line").asText().contains("\"YmFk\""), "the refused event itself: " + dead);
        for (ObjectNode row : parseable.rows("tetragon")) {
            assertTrue(!row.path("time").asText().equals("2026-11-23T00:00:00Z"));
        }
    }

    @Test
    void outagesAndResetsMidBatchLoseAndDuplicateNothing() throws Exception {
        // requests of 10 events; some go through, then the 4th request gets 503 until the client and the route
        // give up and retry; a reset on top. The retried batch resumes after what Parseable accepted.
        parseable.serveNext(3).failNext(503, 503, 503, 503);
        List<String> keys = writeGenerated(120, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> parseable.count("POST", "/api/v1/ingest") >= 8);
        parseable.resetNext(1).failFor(Duration.ofSeconds(3), 503);
        await().atMost(Duration.ofSeconds(60)).until(() -> rowsPerEvent().keySet().containsAll(keys));
        Map<String, Integer> perEvent = rowsPerEvent();
        Map<String, Integer> expected = new HashMap<>();
        for (String k : keys) {
            expected.put(k, perEvent.get(k));
        }
        assertEquals(Set.copyOf(keys), perEvent.keySet());
        int rows = parseable.rows("tetragon").size();
        // no event sent twice: each event's rows are its exploded rows once (kprobes with args explode)
        assertEquals(expected.values().stream().mapToInt(Integer::intValue).sum(), rows);
        assertTrue(perEvent.values().stream().allMatch(c -> c <= 4), "an event in rows more often than it has args");
        assertTrue(parseable.requests().stream().anyMatch(r -> r.status() == 503), "the outage happened");
    }

    @Test
    void aDeletedStreamIsCreatedAgain() throws Exception {
        parseable.autoCreate(false); // as Parseable versions that answer 404 for a missing stream
        List<String> first = writeGenerated(20, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> rowsPerEvent().keySet().containsAll(first));
        parseable.deleteStream("tetragon");
        List<String> second = writeGenerated(20, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> rowsPerEvent().keySet().containsAll(second));
        assertEquals(2, parseable.count("PUT", "/api/v1/logstream/tetragon"), "created at start and once again");
        assertTrue(parseable.requests().stream().anyMatch(r -> r.status() == 404));
    }

    @Test
    void aRequestOverTheServersPayloadLimitIsSplitAndALoneOversizedEventDeadLettered() throws Exception {
        parseable.maxPayload(8 * 1024);
        String huge = "{\"process_kprobe\":{\"process\":{\"exec_id\":\"aHVnZQ==\",\"binary\":\"/bin/cat\"},"
                + "\"function_name\":\"sys_write\",\"args\":[{\"bytes_arg\":\"" + "QUFB".repeat(4000) + "\"}]},"
                + "\"node_name\":\"parseable-node\",\"time\":\"2026-11-23T00:00:01Z\"}";
        List<String> keys = writeGenerated(40, huge);
        await().atMost(Duration.ofSeconds(60)).until(() -> rowsPerEvent().keySet().containsAll(keys)
                && lineCount(data.resolve("dead-letter/dead-letter.ndjson")) >= 1);
        assertTrue(parseable.requests().stream().anyMatch(r -> r.status() == 413), "the server refused a request");
        JsonNode dead = mapper.readTree(Files.readAllLines(data.resolve("dead-letter/dead-letter.ndjson")).get(0));
        assertEquals("parseable_too_large", dead.path("reason").asText());
        assertEquals(Set.copyOf(keys), rowsPerEvent().keySet());
    }

    @Test
    void wrongCredentialsStopTheSinkWithoutSpinning() throws Exception {
        parseable.credentials("admin", "rotated-password");
        writeGenerated(30, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> !parseable.requests().isEmpty());
        // the stream creation at start was refused; from then on the sink holds off: no further request
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> parseable.requests().size() == 1);
        assertTrue(parseable.requests().stream().allMatch(r -> r.status() == 403));
        assertEquals(List.of(), parseable.rows("tetragon"));
        assertEquals(0, lineCount(data.resolve("dead-letter/dead-letter.ndjson")));
    }
}
