package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.Samples;
import io.tetragonroutes.demo.DemoExport;
import io.tetragonroutes.sink.elasticsearch.ElasticsearchServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped routes with tetragon.sink.elasticsearch.url set, against an Elasticsearch double that speaks _bulk:
 * ECS documents in the integration's data stream with API-key auth; 429 items retried alone; a mapping conflict
 * dead-lettered with Elasticsearch's reason; an outage loses and duplicates nothing; a wrong key stops the sink
 * without spinning.
 */
@Timeout(120)
class ElasticsearchSinkTest extends KitRoutesTestSupport {

    private static final String STREAM = "logs-cilium_tetragon.log-default";
    private static ElasticsearchServer es;
    private final DemoExport gen = new DemoExport(53, "es-node");

    @BeforeAll
    static void start() throws IOException {
        es = new ElasticsearchServer();
    }

    @AfterAll
    static void stop() {
        es.close();
    }

    @BeforeEach
    void clean() {
        es.reset();
        es.apiKey("aWQ6c2VjcmV0");
    }

    @Override
    protected void properties(Properties p) {
        p.put("tetragon.sink.elasticsearch.url", es.url(""));
        p.put("tetragon.sink.elasticsearch.api-key", "aWQ6c2VjcmV0");
        p.put("tetragon.export.batch-size", "100");
    }

    /** How often each line (the document's `message`) is in the data stream. */
    private Map<String, Integer> perLine() {
        Map<String, Integer> out = new HashMap<>();
        for (ObjectNode d : es.docs(STREAM)) {
            out.merge(d.path("message").asText(), 1, Integer::sum);
        }
        return out;
    }

    /** Writes the export at once (a rename), so that the tail reads it as whole batches. */
    private List<String> writeGenerated(int n, String extraLine) throws IOException {
        List<String> lines = new ArrayList<>();
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String line = new String(gen.next(), StandardCharsets.UTF_8);
            lines.add(line);
            file.append(line).append('\n');
            if (i == n / 2 && extraLine != null) {
                file.append(extraLine).append('\n');
            }
        }
        Files.createDirectories(export.getParent());
        Path tmp = export.resolveSibling("export.tmp");
        Files.writeString(tmp, file);
        Files.move(tmp, export, StandardCopyOption.ATOMIC_MOVE);
        return lines;
    }

    @Test
    void everyEventIsOneEcsDocumentInTheIntegrationsDataStream() throws Exception {
        List<String> lines = new ArrayList<>(Samples.lines("events/process_exec.jsonl"));
        lines.addAll(Samples.lines("events/process_exit.jsonl"));
        lines.addAll(Samples.lines("events/process_kprobe.jsonl"));
        Files.createDirectories(export.getParent());
        Files.write(export, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(60)).until(() -> es.docs(STREAM).size() >= lines.size());
        Map<String, Integer> seen = perLine();
        for (String l : lines) {
            assertEquals(1, seen.getOrDefault(l, 0), "once: " + l.substring(0, 80));
        }
        for (ObjectNode d : es.docs(STREAM)) {
            JsonNode event = mapper.readTree(d.path("message").asText());
            if (event.has("time")) {
                assertEquals(event.path("time").asText(), d.path("@timestamp").asText());
            } else {
                assertTrue(d.hasNonNull("@timestamp"), "a line without time is stamped when read");
            }
            assertEquals("cilium_tetragon.log", d.at("/data_stream/dataset").asText());
            assertEquals("cilium_tetragon", d.at("/event/module").asText());
            String type = event.fieldNames().next();
            assertTrue(d.at("/cilium_tetragon/log/" + type).isObject(), "the event under cilium_tetragon.log");
            if (event.path(type).path("process").has("binary")) {
                assertEquals(event.path(type).path("process").path("binary").asText(), d.at("/process/executable").asText());
            }
        }
        assertTrue(es.requests().stream().allMatch(r -> "ApiKey aWQ6c2VjcmV0".equals(r.header("Authorization"))
                && r.header("Content-Type").startsWith("application/x-ndjson")));
        long all = lineCount(data.resolve("out/events.ndjson"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals((double) all,
                registry.counter("tetragon.sink.events", "sink", "elasticsearch", "output", "all").count()));
    }

    @Test
    void rejected429ItemsAloneAreSentAgainAndAMappingConflictIsDeadLettered() throws Exception {
        es.rejectNextItems(5);
        // node_name as an object: host.name (and the log's node_name) are keywords once the first document mapped them
        String conflict = "{\"process_exec\":{\"process\":{\"exec_id\":\"Y29uZmxpY3Q=\",\"binary\":\"/bin/true\"}},"
                + "\"node_name\":{\"name\":\"es-node\"},\"time\":\"2026-11-23T00:00:00Z\"}";
        List<String> lines = writeGenerated(80, conflict);

        await().atMost(Duration.ofSeconds(60)).until(() -> perLine().keySet().containsAll(lines)
                && lineCount(data.resolve("dead-letter/dead-letter.ndjson")) >= 1);
        Map<String, Integer> seen = perLine();
        assertEquals(lines.size(), seen.size(), "every good line and not the conflicting one");
        assertTrue(seen.values().stream().allMatch(c -> c == 1), "none twice: only the refused items were resent");
        var bulks = es.requests().stream().filter(r -> r.path().equals("/_bulk")).toList();
        int retryItems = bulks.get(1).text().split("\n").length / 2;
        assertEquals(5, retryItems, "the second bulk carries only the five 429 items");
        JsonNode dead = mapper.readTree(Files.readAllLines(data.resolve("dead-letter/dead-letter.ndjson")).get(0));
        assertEquals("elasticsearch_rejected", dead.path("reason").asText());
        String detail = dead.path("detail").asText();
        // the first conflicting field in the document's order: cilium_tetragon comes before host
        assertTrue(detail.contains("document_parsing_exception")
                && detail.contains("[cilium_tetragon.log.node_name]"), dead.toString());
        assertEquals(conflict, dead.path("line").asText(), "the original line, for a replay");
    }

    @Test
    void anOutageThenRecoveryLosesAndDuplicatesNothing() throws Exception {
        es.failFor(Duration.ofSeconds(4), 503);
        List<String> lines = writeGenerated(300, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> perLine().keySet().containsAll(lines));
        assertTrue(perLine().values().stream().allMatch(c -> c == 1));
        assertTrue(es.requests().stream().anyMatch(r -> r.status() == 503), "the outage happened");
    }

    @Test
    void aWrongApiKeyStopsTheSinkWithoutSpinning() throws Exception {
        es.apiKey("cm90YXRlZDprZXk=");
        writeGenerated(30, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> !es.requests().isEmpty());
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> es.requests().size() == 1);
        assertEquals(401, es.requests().get(0).status());
        assertEquals(List.of(), es.docs(STREAM));
        assertEquals(0, lineCount(data.resolve("dead-letter/dead-letter.ndjson")));
    }
}
