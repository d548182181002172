package io.tetragonroutes.rules;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Edited rules apply without a restart; a broken edit keeps the last good set and says why. */
@Timeout(60)
class RulesReloadTest {

    private static final String ONE = """
            rules:
              - id: exec
                match: {type: process_exec}
            """;

    /**
     * Writes a rules file whole, the way a ConfigMap update lands (an atomic swap): a plain write can be seen half
     * done by the 50 ms watcher, which would then count two failed reloads for one broken edit.
     */
    private static void replace(Path file, String text) throws java.io.IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void editsReloadAndABrokenEditKeepsTheLastGoodRules() throws Exception {
        Path dir = RuleLoaderTest.write(ONE);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RulesEngine engine = new RulesEngine(new RuleFiles(dir, null, Events.loader(), null), registry,
                new AlertThrottle(10, System::nanoTime))) {
            engine.watch(Duration.ofMillis(50));
            assertEquals(1, engine.rules().size());

            replace(dir.resolve("more.yaml"), """
                    rules:
                      - id: exit
                        match: {type: process_exit}
                    """);
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.rules().size() == 2);

            replace(dir.resolve("more.yaml"), """
                    rules:
                      - id: exit
                        match: {field: process_exit.statuz, exists: true}
                    """);
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.lastError() != null);
            assertTrue(engine.lastError().startsWith(dir.resolve("more.yaml") + ":3: rule 'exit': unknown field path "
                    + "'process_exit.statuz'"), engine.lastError());
            assertEquals(2, engine.rules().size(), "the last good set stays in use");
            assertEquals(1.0, registry.counter("tetragon.rules.reloads", "result", "failed").count());

            Files.delete(dir.resolve("more.yaml"));
            await().atMost(Duration.ofSeconds(10)).until(() -> engine.rules().size() == 1);
            assertNull(engine.lastError());
        }
    }

    @Test
    void aBadFileAtStartUpStopsTheEngineFromBeingBuilt() throws Exception {
        Path dir = RuleLoaderTest.write(ONE.replace("type: process_exec", "type: [process_exec], regex: x"));
        RulesException e = assertThrows(RulesException.class, () -> new RulesEngine(
                new RuleFiles(dir, null, Events.loader(), null), new SimpleMeterRegistry(),
                new AlertThrottle(10, System::nanoTime)));
        assertTrue(e.getMessage().startsWith(dir.resolve("rules.yaml") + ":3: rule 'exec': "), e.getMessage());
        RulesException missing = assertThrows(RulesException.class, () -> new RulesEngine(
                new RuleFiles(dir.resolve("nope"), null, Events.loader(), null), new SimpleMeterRegistry(),
                new AlertThrottle(10, System::nanoTime)));
        assertTrue(missing.getMessage().contains("rules path does not exist"), missing.getMessage());
    }
}
