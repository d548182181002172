package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.demo.DemoExport;
import io.tetragonroutes.demo.LumberjackWriter;
import io.tetragonroutes.sink.webhook.WebhookReceiver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivery under faults, asserted by unique event id: every process_exec is an alert here, so each exec_id written
 * to the export must reach the webhook, and every event must reach the file sink exactly once (a failing sink is
 * retried in place; the sinks that took the batch do not get it again).
 */
@Timeout(240)
class DeliveryFaultsTest extends KitRoutesTestSupport {

    private static WebhookReceiver receiver;
    private final DemoExport gen = new DemoExport(11, "fault-node");

    @BeforeAll
    static void start() throws IOException {
        receiver = WebhookReceiver.http();
    }

    @AfterAll
    static void stop() {
        receiver.close();
    }

    @BeforeEach
    void clean() {
        receiver.reset();
    }

    @Override
    protected Path rules() {
        try {
            Path d = Files.createDirectories(dir.resolve("rules"));
            Files.writeString(d.resolve("every-exec.yaml"), """
                    rules:
                      - id: every-exec
                        severity: high
                        match: {type: process_exec}
                        throttle: 0s
                        actions: [alert]
                    """);
            return d;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void properties(Properties p) {
        p.put("tetragon.sink.webhook.url", receiver.url("/alerts"));
        p.put("tetragon.export.batch-size", "50");
    }

    /** Writes {@code n} events (rotating when asked) and returns the exec ids among them. */
    private Set<String> write(LumberjackWriter w, int n, List<String> all) throws IOException {
        Set<String> execIds = new HashSet<>();
        for (int i = 0; i < n; i++) {
            byte[] line = gen.next();
            w.writeLine(line);
            JsonNode e = mapper.readTree(line);
            all.add(new String(line, StandardCharsets.UTF_8));
            if (e.has("process_exec")) {
                execIds.add(e.at("/process_exec/process/exec_id").asText());
            }
        }
        return execIds;
    }

    /** The exec ids of the alerts the webhook accepted (answered 200). */
    private Set<String> delivered() throws IOException {
        Set<String> ids = new HashSet<>();
        for (WebhookReceiver.Request r : receiver.requests()) {
            if (r.status() == 200) {
                JsonNode body = mapper.readTree(r.body());
                if (body.has("event")) {
                    ids.add(body.at("/event/process_exec/process/exec_id").asText());
                }
            }
        }
        return ids;
    }

    private void assertEveryEventOnceInTheFileSink(List<String> written) throws IOException {
        List<String> shipped = Files.readAllLines(data.resolve("out/events.ndjson"));
        assertEquals(written.size(), shipped.size(), "each event once in events.ndjson: no re-run of the whole batch");
        Set<JsonNode> unique = new HashSet<>();
        for (String s : shipped) {
            ObjectNode e = (ObjectNode) mapper.readTree(s);
            e.remove("rule"); // added by the rules: compare Tetragon's own fields
            unique.add(e);
        }
        assertEquals(written.size(), unique.size(), "no duplicates");
    }

    @Test
    void aWebhookReturning503For30SecondsThenRecoveringLosesNothing() throws Exception {
        receiver.failFor(Duration.ofSeconds(30), 503);
        List<String> written = new ArrayList<>();
        Set<String> execIds;
        try (LumberjackWriter w = new LumberjackWriter(export, 10_000_000, 5, false)) {
            execIds = write(w, 400, written);
        }
        // while it is down: the events output got its batches, the alerts are held, nothing is acknowledged past them
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.requests().size() > 3);
        assertEquals(Set.of(), delivered(), "nothing accepted while the webhook answers 503");
        await().atMost(Duration.ofSeconds(90)).until(() -> delivered().containsAll(execIds));
        assertEquals(execIds, delivered(), "every exec id, after the outage");
        await().atMost(Duration.ofSeconds(10)).until(() -> lineCount(data.resolve("out/events.ndjson")) >= written.size());
        assertEveryEventOnceInTheFileSink(written);
        assertEquals(execIds.size(), lineCount(data.resolve("out/alerts.ndjson")), "each alert once in alerts.ndjson");
    }

    @Test
    void aSlowWebhookAndConnectionResetsSlowTheTailDownButLoseNothing() throws Exception {
        receiver.slow(Duration.ofSeconds(2)).resetNext(2);
        List<String> written = new ArrayList<>();
        Set<String> execIds;
        try (LumberjackWriter w = new LumberjackWriter(export, 10_000_000, 5, false)) {
            execIds = write(w, 12, written);
        }
        assertTrue(execIds.size() >= 2, "the generated stream has execs: " + execIds.size());
        await().atMost(Duration.ofSeconds(120)).until(() -> delivered().containsAll(execIds));
        assertEquals(execIds, delivered());
        assertEquals(execIds.size() + 2, receiver.requests().size(), "each alert once, plus the two reset attempts");
        await().atMost(Duration.ofSeconds(10)).until(() -> lineCount(data.resolve("out/events.ndjson")) >= written.size());
        assertEveryEventOnceInTheFileSink(written);
    }

    @Test
    void tetragonRotatingTwiceWhileTheWebhookIsDownLosesNothing() throws Exception {
        receiver.failFor(Duration.ofSeconds(8), 503);
        List<String> written = new ArrayList<>();
        Set<String> execIds = new HashSet<>();
        try (LumberjackWriter w = new LumberjackWriter(export, 10_000_000, 5, false)) {
            execIds.addAll(write(w, 150, written));
            w.rotate();
            execIds.addAll(write(w, 150, written));
            w.rotate();
            execIds.addAll(write(w, 150, written));
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> delivered().containsAll(execIds));
        assertEquals(execIds, delivered());
        await().atMost(Duration.ofSeconds(10)).until(() -> lineCount(data.resolve("out/events.ndjson")) >= written.size());
        assertEveryEventOnceInTheFileSink(written);
        assertEquals(0.0, registry.counter("tetragon.tail.lost.files").count(), "both backups were read");
    }
}
