package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.tetragonroutes.Samples;
import io.tetragonroutes.sink.webhook.WebhookClient;
import io.tetragonroutes.sink.webhook.WebhookReceiver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped routes with tetragon.sink.webhook.url set: every alert reaches a real HTTP receiver, signed; a 503
 * is retried, a 400 becomes a dead letter with the receiver's answer, nothing is lost.
 */
@Timeout(120)
class WebhookSinkTest extends KitRoutesTestSupport {

    private static WebhookReceiver receiver;

    @BeforeAll
    static void start() throws Exception {
        // the first alert is refused once with 503 (retried), the next one with 400 (dead-lettered)
        receiver = WebhookReceiver.http().failNext(503, 400);
    }

    @AfterAll
    static void stop() {
        receiver.close();
    }

    @Override
    protected void properties(Properties p) {
        p.put("tetragon.sink.webhook.url", receiver.url("/hooks/T0KEN?x=1"));
        p.put("tetragon.sink.webhook.secret", "shared-secret");
        p.put("tetragon.sink.webhook.headers", "X-Source: tetragon-routes");
    }

    @Test
    void everyAlertIsPostedSignedAndARefusedOneIsADeadLetter() throws Exception {
        List<String> lines = new ArrayList<>(Samples.lines("events/process_kprobe.jsonl"));
        lines.addAll(Samples.lines("events/rate_limit_info.jsonl"));
        Files.createDirectories(export.getParent());
        Files.write(export, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));

        // every batch through every output (the first batches after a start are small: several batches here)
        await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset() == Files.size(export));
        assertEquals(lines.size(), lineCount(data.resolve("out/events.ndjson")));
        List<String> alerts = Files.readAllLines(data.resolve("out/alerts.ndjson"));
        assertTrue(alerts.size() >= 3, alerts.size() + " alerts");
        List<WebhookReceiver.Request> got = receiver.requests();
        assertEquals(alerts.size() + 1, got.size(), "every alert once, plus the retry after the 503");

        JsonNode dead = mapper.readTree(Files.readAllLines(data.resolve("dead-letter/dead-letter.ndjson")).get(0));
        assertEquals("webhook_rejected", dead.path("reason").asText());
        assertTrue(dead.path("detail").asText().startsWith("HTTP 400 from http://127.0.0.1:"), dead.toString());
        assertTrue(dead.path("detail").asText().contains("bad request: field 'x' is invalid"), dead.toString());
        assertTrue(!dead.toString().contains("T0KEN"), "the URL's token is not in the dead letter");

        // the requests after the 503 retry: alert 1 (accepted on retry), alert 2 (refused), alerts 3.. (accepted)
        List<WebhookReceiver.Request> delivered = new ArrayList<>(got.subList(1, got.size()));
        delivered.remove(1);
        List<String> accepted = new ArrayList<>(alerts);
        accepted.remove(1);
        assertEquals(accepted.size(), delivered.size());
        for (int i = 0; i < delivered.size(); i++) {
            WebhookReceiver.Request r = delivered.get(i);
            assertEquals("/hooks/T0KEN?x=1", r.path());
            assertEquals("application/json", r.header("Content-Type"));
            assertEquals("tetragon-routes", r.header("X-Source"));
            assertEquals("sha256=" + WebhookClient.sign("shared-secret", r.body()),
                    r.header(WebhookClient.SIGNATURE_HEADER));
            JsonNode body = mapper.readTree(r.body());
            JsonNode alert = mapper.readTree(accepted.get(i));
            assertEquals(alert, body.path("event"), "the whole event, as the file sink wrote it");
            assertEquals(alert.path("rule").path("ids").get(0).asText(), body.path("rule_id").asText());
            assertEquals(alert.path("rule").path("message").asText(), body.path("message").asText());
            assertEquals(alert.path("rule").path("severity").asText(), body.path("severity").asText());
        }
        assertEquals(accepted.size(), registry.counter("tetragon.sink.events", "sink", "webhook", "output", "alerts")
                .count());
    }
}
