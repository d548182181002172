package io.tetragonroutes.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.Samples;
import io.tetragonroutes.rules.Severity;
import io.tetragonroutes.rules.sigma.SigmaLoader;
import io.tetragonroutes.sink.webhook.WebhookReceiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged app with {@code tetragon.rules.sigma-path} on SigmaHQ's Linux rules (../shared/sigma, read at run
 * time) and the real exec samples as its export: the high-level Sigma rule those samples fire alerts, in
 * alerts.ndjson and on the webhook, naming the rule's author and its ATT&CK tags; {@code check} reports what loaded
 * and what was skipped, with why.
 */
@Timeout(180)
class SigmaAppIT {

    private static final Path JAR = Path.of(System.getProperty("tetragon.app.jar", "target/quarkus-app/quarkus-run.jar"));
    private static final Path SIGMA = Path.of(System.getProperty("tetragon.sigma", "../shared/sigma")).toAbsolutePath()
            .normalize().resolve("rules");
    /** SigmaHQ's "Shell Execution Of Process Located In Tmp Directory" (level high): the Merlin agent's children. */
    private static final String RULE = "2fade0b6-7423-4835-9d4f-335b39b83867";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final List<Process> apps = new ArrayList<>();

    @AfterEach
    void stop() {
        apps.forEach(Process::destroyForcibly);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Test
    void sigmaAlertsReachAlertsNdjsonAndTheWebhookWithAuthorAndAttackTags() throws Exception {
        SigmaLoader.SigmaRule rule = new SigmaLoader(Severity.HIGH, Set.of(), Duration.ofSeconds(60)).load(SIGMA)
                .loaded().stream().filter(r -> r.id().equals(RULE)).findFirst().orElseThrow();
        try (WebhookReceiver webhook = WebhookReceiver.http()) {
            Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "sigma-it");
            Path export = dir.resolve("export/tetragon.log");
            Files.createDirectories(export.getParent());
            Files.write(export, (String.join("\n", Samples.lines("events/process_exec.jsonl")) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            ProcessBuilder pb = new ProcessBuilder(java(), "-Xmx256m",
                    "-Dtetragon.export.path=" + export,
                    "-Dtetragon.data.dir=" + dir.resolve("data"),
                    "-Dtetragon.rules.sigma-path=" + SIGMA,
                    "-Dtetragon.sink.webhook.url=" + webhook.url("/hooks/sigma"),
                    "-Dquarkus.http.port=0",
                    "-jar", JAR.toAbsolutePath().toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("app.log").toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("TETRAGON_") || k.startsWith("CAMEL_"));
            apps.add(pb.start());

            Path alerts = dir.resolve("data/out/alerts.ndjson");
            await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(alerts)
                    && Files.readString(alerts).contains(RULE) && webhook.requests().stream()
                    .anyMatch(r -> r.text().contains(RULE)));
            JsonNode alert = null;
            for (String l : Files.readAllLines(alerts)) {
                JsonNode n = MAPPER.readTree(l);
                if (n.path("rule").path("ids").toString().contains(RULE)) {
                    alert = n;
                }
            }
            assertTrue(alert != null);
            assertEquals(rule.author(), alert.at("/rule/author/0").asText(), "the Detection Rule License's attribution");
            assertEquals("high", alert.at("/rule/severity").asText());
            for (String tag : SigmaLoader.tags(rule.tags())) {
                assertTrue(alert.path("rule").path("tags").toString().contains("\"" + tag + "\""), tag + " in " + alert);
            }
            assertEquals(List.of("execution"), SigmaLoader.tags(rule.tags()), "the rule's ATT&CK tactic, checked above");
            assertTrue(alert.at("/rule/message").asText().startsWith(rule.title() + ": /bin/sh"), alert.toString());
            JsonNode posted = MAPPER.readTree(webhook.requests().stream().filter(r -> r.text().contains(RULE))
                    .findFirst().orElseThrow().text());
            assertTrue(posted.toString().contains("\"author\":[\"" + rule.author() + "\"]"), posted.toString());

            String log = Files.readString(dir.resolve("app.log"));
            assertTrue(log.contains("Skipped 3 Sigma rules (field:DestinationHostname)"), log);
        }
    }

    @Test
    void checkListsWhatLoadedAndWhatWasSkipped() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(java(), "-Dtetragon.export.path=target/check-it/never/tetragon.log",
                "-Dtetragon.rules.sigma-path=" + SIGMA, "-jar", JAR.toAbsolutePath().toString(), "check")
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith("TETRAGON_") || k.startsWith("CAMEL_"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("rules      149 loaded"), out);
        assertTrue(out.contains("sigma      132 loaded, 3 skipped"), out);
        assertTrue(out.contains("skipped 3 (field:DestinationHostname)"), out);
        assertTrue(out.contains("net_connection_lnx_ngrok_tunnel.yml:1  Communication To Ngrok Tunneling Service - Linux"),
                out);
    }
}
