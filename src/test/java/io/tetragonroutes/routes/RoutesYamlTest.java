package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.rules.AlertThrottle;
import io.tetragonroutes.rules.RuleFiles;
import io.tetragonroutes.rules.RuleLoader;
import io.tetragonroutes.rules.RulesEngine;
import io.tetragonroutes.sink.NdjsonFormatter;
import io.tetragonroutes.sink.ShippedCounter;
import io.tetragonroutes.tail.TailComponent;
import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kamelet.KameletComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The route and kamelet files users edit, loaded from routes/ and kamelets/ into a plain CamelContext. */
@Timeout(120)
class RoutesYamlTest extends KitRoutesTestSupport {

    @Test
    void realSamplesFlowToEventsAlertsAndDeadLetters() throws Exception {
        List<String> good = Samples.lines("events/process_exec.jsonl", "events/process_kprobe.jsonl",
                "events/process_exit.jsonl");
        String bad = "{\"process_exec\":{\"process\":{\"pid\":1,";
        List<String> written = new ArrayList<>(good);
        written.add(40, bad);
        Files.createDirectories(export.getParent());
        Files.write(export, (String.join("\n", written) + "\n").getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);

        Path events = data.resolve("out/events.ndjson");
        Path alerts = data.resolve("out/alerts.ndjson");
        Path dead = data.resolve("dead-letter/dead-letter.ndjson");
        // every batch through every output: the alerts of the last one are written after its events
        await().atMost(Duration.ofSeconds(30)).until(() -> committedOffset() == Files.size(export));

        List<String> out = Files.readAllLines(events);
        assertEquals(good.size(), out.size(), "every good line once, in order");
        for (int i = 0; i < good.size(); i++) {
            JsonNode in = mapper.readTree(good.get(i));
            JsonNode shipped = mapper.readTree(out.get(i));
            if (shipped.has("rule")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) shipped).remove("rule");
            } else {
                assertEquals(good.get(i), out.get(i), "unflagged events are shipped byte for byte");
            }
            assertEquals(in, shipped, "line " + i);
        }

        List<String> alertLines = Files.readAllLines(alerts);
        assertTrue(!alertLines.isEmpty(), "the /etc/passwd writes in the kprobe samples are alerts");
        Set<String> fired = new java.util.TreeSet<>();
        for (String a : alertLines) {
            JsonNode rule = mapper.readTree(a).path("rule");
            assertTrue(rule.path("ids").size() > 0 && !rule.path("message").asText().isEmpty(), rule.toString());
            rule.path("ids").forEach(id -> fired.add(id.asText()));
        }
        assertTrue(fired.containsAll(Set.of("account-file-write", "nsenter-exec", "commit-creds-root",
                "kernel-module-load")), fired.toString());

        JsonNode letter = mapper.readTree(Files.readAllLines(dead).get(0));
        assertEquals("truncated_json", letter.path("reason").asText());
        assertEquals(bad, letter.path("line").asText());
        assertEquals(export.toAbsolutePath().normalize().toString(), letter.path("file").asText());
        long offset = 0;
        for (int i = 0; i < 40; i++) {
            offset += good.get(i).getBytes(StandardCharsets.UTF_8).length + 1;
        }
        assertEquals(offset, letter.path("offset").asLong());

        assertEquals(good.size(), registry.counter("tetragon.sink.events", "sink", "file", "output", "all").count());
        assertEquals(alertLines.size(),
                registry.counter("tetragon.sink.events", "sink", "file", "output", "alerts").count());
    }

    @Test
    void sinksCanBeChainedInOneRouteBecauseEachLeavesTheBodyAsItFoundIt() throws Exception {
        String yaml = """
                - route:
                    id: two-sinks
                    from:
                      uri: direct:two-sinks
                      steps:
                        - to:
                            uri: kamelet:tetragon-file-sink
                            parameters: {directory: "%1$s", fileName: a.ndjson, output: a}
                        - to:
                            uri: kamelet:tetragon-file-sink
                            parameters: {directory: "%1$s", fileName: b.ndjson, output: b}
                """.formatted(dir.resolve("chained"));
        PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.fromString("two-sinks.camel.yaml", yaml));
        List<String> lines = Samples.lines("events/process_exit.jsonl");
        EventParser parser = new EventParser(mapper, registry);
        var batch = parser.parse(Samples.batch("test", lines));
        Object after = template.requestBody("direct:two-sinks", batch);

        assertTrue(after == batch, "the route's body is still the batch after two sinks");
        String expected = String.join("\n", lines) + "\n";
        assertEquals(expected, Files.readString(dir.resolve("chained/a.ndjson")));
        assertEquals(expected, Files.readString(dir.resolve("chained/b.ndjson")));
    }

}
