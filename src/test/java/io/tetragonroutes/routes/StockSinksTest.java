package io.tetragonroutes.routes;

import io.tetragonroutes.Samples;
import io.tetragonroutes.camel.EventMessages;
import io.tetragonroutes.sink.http.FaultyHttpServer;
import io.tetragonroutes.sink.kafka.KafkaBroker;
import io.tetragonroutes.sink.sql.PostgresServer;
import io.tetragonroutes.sink.webhook.WebhookReceiver;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kamelet.KameletComponent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stock Camel components and the real Apache Camel Kamelets catalog as sinks, added to {@code output-all} the way a
 * user edits {@code routes/tetragon-outputs.camel.yaml}: right after its {@code setBody}, in copies of the shipped
 * route files. A whole batch goes to {@code file:}, {@code kafka:}, {@code http:} and {@code kamelet:log-sink} as
 * NDJSON (Camel's
 * type converters); one event per exchange ({@code split: ${body.events}}) goes to the catalog's {@code http-sink}
 * and {@code postgresql-sink}. The real samples go through, and each sink gets every event, with the documented body
 * and headers; an HTTP sink that fails for a while holds the batch (the checkpoint stays) and loses nothing. (The
 * catalog's http-sink leaves the receiver's answer as the body, so the SQL sink has a split of its own.)
 */
@Timeout(180)
class StockSinksTest extends KitRoutesTestSupport {

    private static KafkaBroker kafka;
    private static PostgresServer postgres;
    private static final String STOCK_STEPS = """
                    - to:
                        uri: "file:{{test.stock.dir}}?fileName=copy.ndjson&fileExist=Append"
                    - to:
                        uri: kamelet:log-sink
                        parameters:
                          loggerName: stock-log-sink
                          showHeaders: true
                    - to:
                        uri: "kafka:stock-batches?brokers={{test.kafka}}"
                    - setVariable:
                        name: batch
                        simple: "${body}"
                    - to:
                        uri: "{{test.http.batches}}"
                    - setBody:
                        variable: batch
                    - split:
                        simple: "${body.events}"
                        steps:
                          - to:
                              uri: kamelet:http-sink
                              parameters:
                                url: "{{test.http.url}}"
                    - split:
                        simple: "${body.events}"
                        steps:
                          - to:
                              uri: kamelet:postgresql-sink
                              parameters:
                                serverName: 127.0.0.1
                                serverPort: "{{test.pg.port}}"
                                username: "{{test.pg.user}}"
                                password: "{{test.pg.password}}"
                                databaseName: "{{test.pg.database}}"
                                query: "INSERT INTO tetragon_events (type, time) VALUES (:#${header[tetragon.type]}, :#${header[tetragon.time]})"
            """;

    private final WebhookReceiver http = WebhookReceiver.http();
    private final WebhookReceiver batchReceiver = WebhookReceiver.http();
    private final Path stock = dir.resolve("stock");

    StockSinksTest() throws IOException {
    }

    @BeforeAll
    static void servers() throws Exception {
        kafka = KafkaBroker.start();
        postgres = PostgresServer.start();
        try (Connection c = postgres.connect()) {
            c.createStatement().execute("CREATE TABLE tetragon_events (type text, time text)");
        }
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext ctx = super.createCamelContext();
        // our kamelets first (the catalog also has a kafka-sink), then the catalog's from its jar
        ctx.getComponent("kamelet", KameletComponent.class).setLocation("file:kamelets,classpath:kamelets");
        return ctx;
    }

    @Override
    protected void properties(Properties p) {
        p.put("test.stock.dir", stock.toString());
        p.put("test.kafka", kafka.bootstrapServers());
        p.put("test.http.url", http.url("/events"));
        p.put("test.http.batches", batchReceiver.url("/batches"));
        p.put("test.pg.port", String.valueOf(postgres.port()));
        p.put("test.pg.user", PostgresServer.USER);
        p.put("test.pg.password", PostgresServer.PASSWORD);
        p.put("test.pg.database", PostgresServer.DATABASE);
    }

    @Override
    protected Path routesDir() {
        try {
            Path copy = Files.createDirectories(dir.resolve("routes"));
            try (var files = Files.list(Path.of("routes"))) {
                for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                    String yaml = Files.readString(f);
                    if (f.getFileName().toString().equals("tetragon-outputs.camel.yaml")) {
                        String anchor = "            simple: \"${body.select('all')}\"\n";
                        int at = yaml.indexOf(anchor);
                        assertTrue(at > 0, "output-all's setBody");
                        yaml = yaml.substring(0, at + anchor.length()) + STOCK_STEPS
                                + yaml.substring(at + anchor.length());
                    }
                    Files.writeString(copy.resolve(f.getFileName()), yaml);
                }
            }
            return copy;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> sorted(List<String> lines) {
        return lines.stream().sorted().toList();
    }

    private List<String> writeSamples() throws IOException {
        List<String> lines = Samples.lines("events/process_exec.jsonl", "events/process_kprobe.jsonl",
                "events/process_exit.jsonl");
        Files.createDirectories(export.getParent());
        Files.write(export, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        return lines;
    }

    @Test
    void everyStockSinkGetsEveryEventWithTheDocumentedBodyAndHeaders() throws Exception {
        List<String> lines = writeSamples();
        await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset() == Files.size(export));

        // the file sink's NDJSON is the reference: what Camel's converter hands any component for a batch
        List<String> shipped = Files.readAllLines(data.resolve("out/events.ndjson"));
        assertEquals(lines.size(), shipped.size());
        // (kafka: completes on the client's thread, so the batches reach the sinks after it in any order)
        assertEquals(sorted(shipped), sorted(Files.readAllLines(stock.resolve("copy.ndjson"))),
                "file: gets the batch's NDJSON");

        List<ConsumerRecord<String, byte[]>> batches = kafka.readUntil("stock-batches",
                r -> r.stream().mapToLong(x -> new String(x.value(), StandardCharsets.UTF_8).lines().count()).sum()
                        >= shipped.size(), Duration.ofSeconds(30));
        List<String> fromKafka = new ArrayList<>();
        batches.forEach(r -> fromKafka.addAll(new String(r.value(), StandardCharsets.UTF_8).lines().toList()));
        assertEquals(sorted(shipped), sorted(fromKafka), "kafka: gets one record per batch, its NDJSON");

        // a stock http: step POSTs each batch as NDJSON
        List<String> posted = new ArrayList<>();
        batchReceiver.requests().forEach(r -> posted.addAll(r.text().lines().toList()));
        assertEquals(sorted(shipped), sorted(posted), "http: gets the batch's NDJSON");

        // one event per exchange: the catalog's http-sink POSTs each event's JSON, with the split's headers
        List<FaultyHttpServer.Request> posts = http.requests();
        assertEquals(shipped.size(), posts.size());
        Map<String, String> byLine = new HashMap<>();
        for (FaultyHttpServer.Request r : posts) {
            assertEquals(200, r.status());
            byLine.put(r.text(), r.header(EventMessages.TYPE));
        }
        for (String line : shipped) {
            String type = byLine.get(line);
            assertNotNull(type, "http-sink got every event's JSON as the file sink wrote it: " + line);
            assertTrue(line.startsWith("{\"" + type + "\""), type + " is the event's type: " + line);
        }
        FaultyHttpServer.Request execInPod = posts.stream()
                .filter(r -> "process_exec".equals(r.header(EventMessages.TYPE)) && r.header(EventMessages.POD) != null)
                .findFirst().orElseThrow();
        assertNotNull(execInPod.header(EventMessages.NAMESPACE));
        assertNotNull(execInPod.header(EventMessages.NODE));
        FaultyHttpServer.Request alert = posts.stream().filter(r -> r.header(EventMessages.RULE_IDS) != null)
                .findFirst().orElseThrow(() -> new AssertionError("a sample matches the default pack"));
        assertTrue(alert.text().contains("\"ids\":[\"" + alert.header(EventMessages.RULE_IDS).split(",")[0]),
                alert.text());
        assertNotNull(alert.header(EventMessages.SEVERITY));

        // ... and postgresql-sink (Jackson unmarshal of the event, then an SQL insert) one row per event
        try (Connection c = postgres.connect(); ResultSet rs = c.createStatement()
                .executeQuery("SELECT count(*), count(DISTINCT time), count(DISTINCT type) FROM tetragon_events")) {
            rs.next();
            assertEquals(shipped.size(), rs.getInt(1));
            assertTrue(rs.getInt(2) > 1);
            assertEquals(3, rs.getInt(3), "process_exec, process_kprobe, process_exit");
        }
    }

    @Test
    void aStockSinkThatFailsHoldsTheBatchAndLosesNothing() throws Exception {
        http.failFor(Duration.ofSeconds(4), 503);
        List<String> lines = writeSamples();
        // the per-event HTTP sink refuses: the batch waits, retried in place, and the tail does not acknowledge it
        await().atMost(Duration.ofSeconds(20)).until(() -> http.requests().stream().filter(r -> r.status() == 503)
                .count() >= 2);
        assertEquals(0, committedOffset(), "nothing acknowledged while a sink of the output refuses");

        await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset() == Files.size(export));
        List<String> accepted = http.requests().stream().filter(r -> r.status() == 200)
                .map(FaultyHttpServer.Request::text).toList();
        List<String> shipped = Files.readAllLines(data.resolve("out/events.ndjson"));
        assertEquals(lines.size(), shipped.size());
        // a retry resends only the event that failed: every event accepted exactly once
        assertEquals(sorted(shipped), sorted(accepted));
    }
}
