package io.tetragonroutes.rules.sigma;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.camel.TetragonKit;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.rules.AlertThrottle;
import io.tetragonroutes.rules.RuleLoader;
import io.tetragonroutes.rules.RulesEngine;
import io.tetragonroutes.rules.RulesException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sigma rules in the rules step beside the default pack, as the kit's settings build them: matches carry the
 * Sigma fields, skips are counted in metrics, edits reload and a broken edit keeps the rules in use.
 */
class SigmaEngineTest {

    private static final EventParser PARSER = new EventParser(new com.fasterxml.jackson.databind.ObjectMapper(),
            new SimpleMeterRegistry());

    private static final String CURL = """
            title: Curl to a raw address
            id: 11111111-2222-4333-8444-555555555555
            status: experimental
            author: Kit Tests
            tags: [attack.command-and-control, attack.t1105]
            logsource: {product: linux, category: process_creation}
            detection:
                selection:
                    Image|endswith: /curl
                condition: selection
            level: high
            """;
    private static final String HOSTNAME = """
            title: Needs a host name
            id: 11111111-2222-4333-8444-666666666666
            logsource: {product: linux, category: network_connection}
            detection:
                selection: {DestinationHostname|endswith: .example}
                condition: selection
            level: high
            """;

    private static RulesEngine engine(Path sigma, SimpleMeterRegistry registry) {
        Map<String, String> settings = Map.of("tetragon.rules.path", "routes/rules",
                "tetragon.rules.internal-cidrs", "10.0.0.0/8", "tetragon.rules.sigma-path", sigma.toString());
        RuleLoader loader = new RuleLoader(k -> Optional.ofNullable(settings.get(k)), null, Duration.ofSeconds(60));
        return new RulesEngine(TetragonKit.ruleFiles(k -> Optional.ofNullable(settings.get(k)), loader, null), registry,
                new AlertThrottle(100, System::nanoTime));
    }

    private static void write(Path file, String text) throws Exception {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aSigmaMatchCarriesTitleAuthorLevelAndAttackTagsAndAlerts() throws Exception {
        Path dir = Files.createTempDirectory("sigma");
        Files.createDirectories(dir.resolve("linux/process_creation"));
        write(dir.resolve("linux/process_creation/curl.yml"), CURL);
        write(dir.resolve("hostname.yaml"), HOSTNAME);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RulesEngine engine = engine(dir, registry)) {
            assertEquals(1.0, registry.get("tetragon.rules.skipped").tag("reason", "field:DestinationHostname")
                    .gauge().value());
            EventBatch batch = PARSER.parse(Samples.batch("t", Samples.lines("events/process_exec.jsonl")));
            engine.apply(batch);
            TetragonEvent curl = batch.list().stream().filter(e -> "/usr/bin/curl".equals(e.binary())).findFirst()
                    .orElseThrow();
            JsonNode rule = curl.extras().get("rule");
            assertTrue(rule.get("ids").toString().contains("11111111-2222-4333-8444-555555555555"), rule.toString());
            assertEquals("[\"Kit Tests\"]", rule.get("author").toString());
            assertTrue(rule.get("tags").toString().contains("\"T1105\"") && rule.get("tags").toString()
                    .contains("\"command-and-control\""), rule.toString());
            assertEquals("high", rule.get("severity").asText());
            assertTrue(curl.routedTo("alerts"));
            assertTrue(rule.get("message").asText().startsWith("Curl to a raw address: /usr/bin/curl"),
                    rule.get("message").asText());
            TetragonEvent other = batch.list().stream().filter(e -> "/usr/bin/uname".equals(e.binary())).findFirst()
                    .orElseThrow();
            assertFalse(other.hasExtras() && other.extras().has("rule") && other.extras().get("rule").has("author"),
                    "no author where no Sigma rule matched");
        }
    }

    @Test
    void editsReloadABrokenEditKeepsTheRulesAndABrokenRuleStopsStartUp() throws Exception {
        Path dir = Files.createTempDirectory("sigma");
        write(dir.resolve("curl.yml"), CURL);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int pack;
        try (RulesEngine engine = engine(dir, registry)) {
            pack = engine.rules().size() - 1;
            engine.watch(Duration.ofMillis(50));
            write(dir.resolve("hostname.yml"), HOSTNAME);
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.find("tetragon.rules.skipped").gauge() != null);
            write(dir.resolve("curl.yml"), CURL.replace("condition: selection", "condition: selection and nope"));
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.lastError() != null);
            assertTrue(engine.lastError().startsWith(dir.resolve("curl.yml") + ":10: Sigma rule 'Curl to a raw address' "
                    + "(11111111-2222-4333-8444-555555555555): condition"), engine.lastError());
            assertEquals(pack + 1, engine.rules().size(), "the rules in use stay");
            write(dir.resolve("curl.yml"), CURL.replace("/curl", "/wget"));
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.lastError() == null);
            assertNull(engine.lastError());
        }
        write(dir.resolve("curl.yml"), CURL.replace("Image|endswith", "Image|endwith"));
        RulesException e = assertThrows(RulesException.class, () -> engine(dir, new SimpleMeterRegistry()));
        assertTrue(e.getMessage().startsWith(dir.resolve("curl.yml") + ":9: Sigma rule 'Curl to a raw address'"),
                e.getMessage());
        assertTrue(pack > 10, "the default pack loaded beside");
    }
}
