package io.tetragonroutes.rules.parseable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.rules.AlertThrottle;
import io.tetragonroutes.rules.RuleFiles;
import io.tetragonroutes.rules.RuleLoader;
import io.tetragonroutes.rules.RulesEngine;
import io.tetragonroutes.rules.RulesException;
import io.tetragonroutes.sink.webhook.WebhookReceiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parseable v1 alert files evaluated by the kit, notifying a real HTTP receiver with Parseable's texts and repeats. */
@Timeout(60)
class ParseableAlertsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private RulesEngine engine;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        scheduler.shutdownNow();
    }

    /** The example from our source material, with the endpoint and interval pointed at this test. */
    static String sourceExample(String endpoint, String interval) {
        return """
                {"version":"v1","alerts":[{"name":"Unauthorized access",
                  "message":"/etc/shadow file accessed by unauthorized process",
                  "rule":{"type":"composite","config":"(process_kprobe_process_arguments =% \\"shadow\\")"},
                  "targets":[{"type":"webhook","endpoint":"%s","skip_tls_check":false,
                              "repeat":{"interval":"INTERVAL","times":2}}]}]}
                """.replace("%s", endpoint).replace("INTERVAL", interval);
    }

    private RulesEngine engine(String json) throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "parseable");
        Path file = dir.resolve("alerts.json");
        Files.writeString(file, json);
        RuleLoader loader = new RuleLoader(k -> Optional.empty(), null, Duration.ofSeconds(60));
        engine = new RulesEngine(new RuleFiles(null, file, loader, new ParseableAlerts("tetragon", scheduler)::load),
                registry, new AlertThrottle(100, System::nanoTime));
        return engine;
    }

    /** The real kprobe of `cat` reading a file, with its command line changed to name /etc/shadow. */
    private static String catShadow() throws Exception {
        String read = Samples.lines("events/process_kprobe.jsonl").stream()
                .filter(l -> l.contains("__x64_sys_read") && l.contains("\"/etc/passwd\"")).findFirst().orElseThrow();
        ObjectNode n = (ObjectNode) MAPPER.readTree(read);
        ((ObjectNode) n.at("/process_kprobe/process")).put("arguments", "/etc/shadow");
        return MAPPER.writeValueAsString(n);
    }

    private static EventBatch batch(String... lines) {
        return new EventParser(MAPPER, new SimpleMeterRegistry()).parse(Samples.batch("test", List.of(lines)));
    }

    @Test
    void theBlogsCapitalisedEndpointIsReadWithTheSpellingParseableDocuments() throws Exception {
        try (WebhookReceiver r = WebhookReceiver.http()) {
            // the seed blog writes the target's key as "Endpoint" and the rule's as "Type"
            String blog = sourceExample(r.url("/alert"), "10s").replace("\"endpoint\"", "\"Endpoint\"")
                    .replace("{\"type\":\"composite\"", "{\"Type\":\"composite\"");
            assertTrue(blog.contains("\"Endpoint\"") && blog.contains("\"Type\""), blog);
            RulesEngine e = engine(blog);
            EventBatch b = batch(catShadow());
            e.apply(b);
            assertEquals("[\"parseable-unauthorized-access\"]", b.list().get(0).extras().path("rule").path("ids")
                    .toString());
            await().atMost(Duration.ofSeconds(10)).until(() -> !r.requests().isEmpty());
            assertTrue(r.requests().get(0).text().startsWith("Unauthorized access triggered on tetragon"));
        }
    }

    @Test
    void theSourceExampleFiresAndRepeatsLikeParseable() throws Exception {
        try (WebhookReceiver r = WebhookReceiver.http()) {
            RulesEngine e = engine(sourceExample(r.url("/alert"), "1s"));
            EventBatch b = batch(catShadow(), Samples.lines("events/process_exec.jsonl").get(0));
            e.apply(b);
            TetragonEvent hit = b.list().get(0);
            assertEquals("[\"parseable-unauthorized-access\"]", hit.extras().path("rule").path("ids").toString());
            assertTrue(hit.routedTo("alerts"));
            assertTrue(!b.list().get(1).hasExtras());

            String firing = "Unauthorized access triggered on tetragon\nMessage: /etc/shadow file accessed by "
                    + "unauthorized process\nFailing Condition: matched rule (process_kprobe_process_arguments =% \"shadow\")";
            await().atMost(Duration.ofSeconds(10)).until(() -> r.requests().size() >= 4);
            List<WebhookReceiver.Request> got = r.requests();
            assertEquals(firing, got.get(0).text(), "at once");
            assertEquals(firing, got.get(1).text(), "after 1 interval, still firing (composite rules never resolve)");
            assertEquals(firing, got.get(2).text(), "after 2 intervals");
            assertTrue(got.get(3).text().contains("Triggering alert did not resolve itself after 2 retries, This alert "
                    + "is paused until it resolves"), got.get(3).text());
            assertTrue(got.get(0).header("Content-Type").startsWith("text/plain"));

            // a new match after the pause notifies again
            e.apply(batch(catShadow()));
            await().atMost(Duration.ofSeconds(10)).until(() -> r.requests().size() >= 5);
            assertEquals(firing, r.requests().get(4).text());
        }
    }

    @Test
    void columnRulesFireAfterRepeatsAndResolveOnTheNextMiss() throws Exception {
        try (WebhookReceiver r = WebhookReceiver.http()) {
            RulesEngine e = engine("""
                    {"version":"v1","alerts":[{"name":"root reads",
                      "message":"{process_kprobe_process_binary} read {process_kprobe_args_file_arg_path}",
                      "rule":{"type":"column","config":{"column":"process_kprobe_process_uid","operator":"=","value":0,
                              "repeats":2}},
                      "targets":[{"type":"webhook","endpoint":"%s","headers":{"Authorization":"Bearer t"}}]}]}
                    """.formatted(r.url("/")));
            String root = catShadow();
            ObjectNode whole = (ObjectNode) MAPPER.readTree(root);
            ((ObjectNode) whole.at("/process_kprobe/process")).put("uid", 1000);
            String user = MAPPER.writeValueAsString(whole);

            EventBatch first = batch(root);
            e.apply(first);
            assertTrue(!first.list().get(0).routedTo("alerts"), "1 of 2 repeats: listening");
            EventBatch second = batch(root, root, user);
            e.apply(second);
            assertTrue(second.list().get(0).routedTo("alerts"), "2 of 2: set to firing");
            assertTrue(!second.list().get(1).routedTo("alerts"), "firing: no new alert");
            await().atMost(Duration.ofSeconds(10)).until(() -> r.requests().size() >= 2);
            List<WebhookReceiver.Request> got = r.requests();
            assertEquals("root reads triggered on tetragon\nMessage: /usr/bin/cat read /etc/passwd\nFailing Condition: "
                    + "process_kprobe_process_uid column = 0, 2 times", got.get(0).text());
            assertEquals("Bearer t", got.get(0).header("Authorization"));
            assertEquals("root reads on tetragon is now resolved ", got.get(1).text());
        }
    }

    @Test
    void badAlertFilesStopWithFileLineAndAlert() throws Exception {
        RulesException e = assertThrows(RulesException.class, () -> engine("""
                {"version":"v1","alerts":[
                  {"name":"ok","rule":{"type":"composite","config":"process_exec_process_binary = \\"/bin/sh\\""},"targets":[]},
                  {"name":"typo","rule":{"type":"composite","config":"(process_kprobe_proces_arguments =% \\"x\\")"},
                   "targets":[]}]}
                """));
        assertTrue(e.getMessage().matches(".*alerts\\.json:3: alert 'typo': composite rule at character \\d+: unknown field "
                + "'process_kprobe_proces_arguments'.*"), e.getMessage());
        e = assertThrows(RulesException.class, () -> engine("""
                {"version":"v1","alerts":[{"name":"n","rule":{"type":"composite","config":"process_exec_process_uid =% 5"},
                 "targets":[]}]}
                """));
        assertTrue(e.getMessage().matches(".*alerts\\.json:1: alert 'n': composite rule at character \\d+: operator '=%' "
                + "does not apply to a number.*"), e.getMessage());
        e = assertThrows(RulesException.class, () -> engine("""
                {"version":"v1","alerts":[{"name":"n","rule":{"type":"column","config":{"column":"x","value":1}},
                 "targets":[{"type":"pager","endpoint":"http://x"}]}]}
                """));
        assertTrue(e.getMessage().contains("alerts.json:1: alert 'n': unknown field 'x'"), e.getMessage());
    }

    @Test
    void andBindsTighterThanOrAndNotNegates() throws Exception {
        RulesEngine e = engine("""
                {"version":"v1","alerts":[{"name":"p","rule":{"type":"composite","config":
                  "process_exec_process_binary = \\"/nope\\" or process_exec_process_uid = 0 and !(process_exec_process_binary ~ \\"nginx$\\")"},
                  "targets":[]}]}
                """);
        List<String> execs = Samples.lines("events/process_exec.jsonl");
        EventBatch b = batch(execs.toArray(String[]::new));
        e.apply(b);
        for (TetragonEvent ev : b.list()) {
            boolean expected = ev.process().path("uid").asInt() == 0 && !ev.binary().endsWith("nginx");
            assertEquals(expected, ev.hasExtras(), ev.binary() + " uid " + ev.process().path("uid"));
        }
    }
}
