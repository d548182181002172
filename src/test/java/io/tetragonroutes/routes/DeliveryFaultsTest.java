package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.demo.LumberjackWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
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
class DeliveryFaultsTest extends ExecAlertsTestSupport {

    private final ExecAlerts gen = new ExecAlerts(11, "fault-node");

    @Override
    protected void properties(Properties p) {
        super.properties(p);
        p.put("tetragon.export.batch-size", "50");
    }

    private Set<String> delivered() throws IOException {
        return gen.delivered(receiver);
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
        List<String> written = gen.lines;
        Set<String> execIds;
        try (LumberjackWriter w = new LumberjackWriter(export, 10_000_000, 5, false)) {
            execIds = gen.write(w, 400);
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
        List<String> written = gen.lines;
        Set<String> execIds;
        try (LumberjackWriter w = new LumberjackWriter(export, 10_000_000, 5, false)) {
            execIds = gen.write(w, 12);
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
        List<String> written = gen.lines;
        Set<String> execIds = new HashSet<>();
        try (LumberjackWriter w = new LumberjackWriter(export, 10_000_000, 5, false)) {
            execIds.addAll(gen.write(w, 150));
            gen.rotate(w);
            execIds.addAll(gen.write(w, 150));
            gen.rotate(w);
            execIds.addAll(gen.write(w, 150));
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> delivered().containsAll(execIds));
        assertEquals(execIds, delivered());
        await().atMost(Duration.ofSeconds(10)).until(() -> lineCount(data.resolve("out/events.ndjson")) >= written.size());
        assertEveryEventOnceInTheFileSink(written);
        assertEquals(0.0, registry.counter("tetragon.tail.lost.files").count(), "both backups were read");
    }
}
