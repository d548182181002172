package io.tetragonroutes.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import io.tetragonroutes.demo.DemoExport;
import io.tetragonroutes.demo.LumberjackWriter;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The application as it ships: routes/ and kamelets/ from disk, CDI beans, health and Prometheus metrics. */
@QuarkusTest
@QuarkusTestResource(ExportDirResource.class)
class PipelineQuarkusTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Inject
    CamelContext camel;

    private static Path config(String key) {
        return Path.of(ConfigProvider.getConfig().getValue(key, String.class));
    }

    @Test
    void oneShutdownTimeoutForCamelAndTheTail() {
        // ExportDirResource sets tetragon.shutdown.timeout-seconds=17
        assertEquals(17, camel.getShutdownStrategy().getTimeout());
        var tail = camel.getEndpoints().stream().filter(e -> e instanceof io.tetragonroutes.tail.TailEndpoint)
                .map(e -> (io.tetragonroutes.tail.TailEndpoint) e).findFirst().orElseThrow();
        assertEquals(17, tail.getDrainTimeoutSeconds());
    }

    @Test
    void theFileSinksStreamIsNotCopiedIntoAStreamCache() {
        assertTrue(camel.isStreamCaching(), "on for every other stream");
        var deny = camel.getStreamCachingStrategy().getDenyClasses();
        assertTrue(deny != null && deny.contains(io.tetragonroutes.sink.NdjsonStream.class), String.valueOf(deny));
    }

    @Test
    void theKitsConvertersAndKameletStepsRunInTheQuarkusAppWithoutCdiProducers() throws Exception {
        io.tetragonroutes.event.EventBatch batch = new io.tetragonroutes.event.EventParser(mapper,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
                .parse(io.tetragonroutes.Samples.batch("events/process_exec.jsonl",
                        io.tetragonroutes.Samples.lines("events/process_exec.jsonl")));
        String ndjson = camel.getTypeConverter().mandatoryConvertTo(String.class, batch);
        assertEquals(batch.size(), ndjson.lines().count());
        assertEquals(io.tetragonroutes.Samples.lines("events/process_exec.jsonl").get(0), ndjson.lines().findFirst()
                .orElseThrow(), "an event with nothing added is its line");
        java.io.InputStream in = camel.getTypeConverter().mandatoryConvertTo(java.io.InputStream.class,
                batch.list().get(0));
        assertEquals("process_exec", mapper.readTree(in).fieldNames().next());
        // the steps come from the kamelets' template.beans and share one kit; nothing is a CDI bean any more
        assertTrue(camel.getRegistry().lookupByName("tetragonRules") == null);
        assertTrue(camel.getRegistry().lookupByName(io.tetragonroutes.camel.TetragonKit.NAME)
                instanceof io.tetragonroutes.camel.TetragonKit);
        assertTrue(camel.getComponent("tetragon-tail") instanceof io.tetragonroutes.tail.TailComponent);
    }

    @Test
    void placeholdersResolveFromTheApplicationConfigFirst() {
        var sources = ((org.apache.camel.component.properties.PropertiesComponent) camel.getPropertiesComponent())
                .getPropertiesSources();
        // not a loadable source: Camel 4.14 loads every config property per placeholder from those (README > Start-up)
        assertTrue(sources.get(0) instanceof ConfigPlaceholders, sources.toString());
        assertFalse(sources.get(0) instanceof org.apache.camel.spi.LoadablePropertiesSource);
        // the configuration's answers: a default from application.properties, one the test resource sets, none
        assertEquals(ConfigProvider.getConfig().getValue("tetragon.export.batch-size", String.class),
                camel.resolvePropertyPlaceholders("{{tetragon.export.batch-size}}"));
        assertEquals("17", camel.resolvePropertyPlaceholders("{{tetragon.shutdown.timeout-seconds}}"));
        assertEquals("off", camel.resolvePropertyPlaceholders("{{tetragon.sink.webhook.url:off}}"));
    }

    @Test
    void exportToEventsAlertsDeadLettersHealthAndMetrics() throws Exception {
        Path export = config("tetragon.export.path");
        Path data = config("tetragon.data.dir");
        // Not ready while the export does not exist yet.
        given().get("/q/health/ready").then().statusCode(503)
                .body(containsString("waiting for the file"));

        DemoExport gen = new DemoExport(7, "quarkus-test-node");
        int events = 0;
        try (LumberjackWriter w = new LumberjackWriter(export, 200_000, 10, false)) {
            for (int i = 0; i < 600; i++) {
                w.writeLine(i % 100 == 0 ? gen.sensitive() : gen.next());
                events++;
            }
            w.writeLine("{\"process_kprobe\":".getBytes(StandardCharsets.UTF_8));
            LumberjackWriter.gzip(w.rotate());
            for (int i = 0; i < 100; i++) {
                w.writeLine(gen.next());
                events++;
            }
        }
        int expected = events;
        Path out = data.resolve("out/events.ndjson");
        await().atMost(Duration.ofSeconds(30)).until(() -> lines(out).size() >= expected);

        List<String> shipped = lines(out);
        assertEquals(expected, shipped.size());
        assertEquals(expected, shipped.stream().distinct().count(), "no duplicates");
        // the default rule pack: every sensitive-file event is tagged; alerts are de-duplicated per rule, pod, binary
        long sensitive = 0;
        for (String e : shipped) {
            String ids = mapper.readTree(e).path("rule").path("ids").toString();
            if (ids.contains("sensitive-file-read") || ids.contains("account-file-write")) {
                sensitive++;
            }
        }
        assertEquals(6, sensitive, "one sensitive-file event every 100");
        List<String> alerts = lines(data.resolve("out/alerts.ndjson"));
        assertTrue(!alerts.isEmpty() && alerts.size() < expected / 10, alerts.size() + " alerts");
        for (String a : alerts) {
            JsonNode rule = mapper.readTree(a).path("rule");
            assertTrue(rule.path("ids").size() > 0 && !rule.path("message").asText().isEmpty(), rule.toString());
            assertTrue(!rule.has("throttled"), "a throttled match is not an alert");
        }
        List<String> network = lines(data.resolve("out/network.ndjson"));
        assertTrue(!network.isEmpty(), "tcp_connect outside the cluster goes to the network output");
        for (String n : network) {
            assertTrue(n.contains("\"daddr\":\"93.184.215."), n);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(data.resolve("dead-letter/dead-letter.ndjson")));
        JsonNode letter = mapper.readTree(lines(data.resolve("dead-letter/dead-letter.ndjson")).get(0));
        assertEquals("truncated_json", letter.path("reason").asText());

        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body(containsString("reading"));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("tetragon_sink_events_total{output=\"all\",sink=\"file\"} " + expected + ".0"),
                "shipped counter");
        assertTrue(metrics.contains("tetragon_dead_letters_total{reason=\"truncated_json\"} 1.0"), "dead letters");
        assertTrue(metrics.contains("tetragon_events_parsed_total{type=\"process_exec\"}"), "parsed by type");
        assertTrue(metrics.contains("tetragon_export_lag_bytes"), "lag gauge");
        assertTrue(metrics.contains("tetragon_tail_rotations_total"), "rotations");
        assertTrue(metrics.contains("tetragon_rules_matched_total{rule=\"egress-outside-cluster\"}"), "rule matches");
        assertTrue(metrics.contains("tetragon_rules_loaded 17.0"), "rules loaded");
    }

    private static List<String> lines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }
}
