package io.tetragonroutes.camel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.Samples;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterEach;
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
import java.util.Set;
import java.util.TreeSet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped {@code routes/*.yaml} and {@code kamelets/} on plain Camel Main: {@code camel-main}, the YAML DSL and
 * the kamelet component, no Quarkus, no CDI, nothing bound by hand. What runs is what a Camel JBang
 * ({@code camel run routes/*.yaml --local-kamelet-dir=kamelets}) or Spring Boot user gets: the kamelets' own
 * {@code template.beans}, the components found through Camel's service files, the type converters through
 * {@code TypeConverterLoader}, and the settings through Camel's properties.
 */
@Timeout(120)
class CamelMainTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private Main main;

    @AfterEach
    void stop() {
        if (main != null) {
            main.stop();
        }
    }

    private Main start(Path dir, Path routes, boolean reload) throws Exception {
        main = new Main();
        main.addOverrideProperty("camel.main.routes-include-pattern", "file:" + routes + "/*.yaml");
        main.addOverrideProperty("camel.component.kamelet.location", "file:kamelets");
        main.addOverrideProperty("camel.main.routes-reload-enabled", String.valueOf(reload));
        main.addOverrideProperty("camel.main.routes-reload-directory", routes.toString());
        main.addOverrideProperty("camel.main.routes-reload-pattern", "*.yaml");
        main.addOverrideProperty("tetragon.export.path", dir.resolve("export/tetragon.log").toString());
        main.addOverrideProperty("tetragon.data.dir", dir.resolve("data").toString());
        main.addOverrideProperty("tetragon.export.linger-ms", "0");
        main.addOverrideProperty("tetragon.k8s.enabled", "false");
        main.addOverrideProperty("tetragon.rules.path", "routes/rules");
        main.start();
        return main;
    }

    private static Path tempDir() throws IOException {
        return Files.createTempDirectory(Files.createDirectories(Path.of("target")), "camel-main");
    }

    private long committed(Path dir) throws IOException {
        Path cps = dir.resolve("data/checkpoints");
        if (!Files.isDirectory(cps)) {
            return 0;
        }
        try (var files = Files.list(cps)) {
            Path cp = files.filter(f -> f.toString().endsWith(".json")).findFirst().orElse(null);
            return cp == null ? 0 : mapper.readTree(cp.toFile()).path("offset").asLong();
        }
    }

    @Test
    void theShippedRoutesAndKameletsRunOnPlainCamelMain() throws Exception {
        Path dir = tempDir();
        Path export = Files.createDirectories(dir.resolve("export")).resolve("tetragon.log");
        List<String> good = Samples.lines("events/process_exec.jsonl", "events/process_kprobe.jsonl",
                "events/process_exit.jsonl", "events/process_throttle.jsonl", "events/rate_limit_info.jsonl");
        List<String> written = new ArrayList<>(good);
        written.add(10, "{\"process_exec\":{\"process\":{\"pid\":1,");
        written.add(20, "not json at all");
        Files.write(export, (String.join("\n", written) + "\n").getBytes(StandardCharsets.UTF_8));

        start(dir, Path.of("routes"), false);
        CamelContext camel = main.getCamelContext();
        assertEquals(DefaultCamelContext.class, camel.getClass(), "plain Camel, not Camel Quarkus");
        assertTrue(camel.getRegistry().lookupByName("tetragonRules") == null, "no step bound by hand");

        await().atMost(Duration.ofSeconds(60)).until(() -> committed(dir) == Files.size(export));

        List<String> events = Files.readAllLines(dir.resolve("data/out/events.ndjson"));
        assertEquals(good.size(), events.size(), "every good line is shipped by the file sink");
        Set<String> fired = new TreeSet<>();
        for (String a : Files.readAllLines(dir.resolve("data/out/alerts.ndjson"))) {
            JsonNode rule = mapper.readTree(a).path("rule");
            rule.path("ids").forEach(id -> fired.add(id.asText()));
        }
        assertTrue(fired.containsAll(Set.of("tetragon-rate-limited", "tetragon-throttled", "kernel-module-load",
                "setns-call")), fired.toString());
        List<String> dead = Files.readAllLines(dir.resolve("data/dead-letter/dead-letter.ndjson"));
        assertEquals(2, dead.size());
        Set<String> reasons = new TreeSet<>();
        for (String d : dead) {
            reasons.add(mapper.readTree(d).path("reason").asText());
        }
        assertEquals(Set.of("malformed_json", "truncated_json"), reasons);
    }

    @Test
    void anEditedRouteThatAddsAStockSinkIsReloadedAndShipsTheNextEvents() throws Exception {
        Path dir = tempDir();
        Path routes = Files.createDirectories(dir.resolve("routes"));
        try (var files = Files.list(Path.of("routes"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
        Path export = Files.createDirectories(dir.resolve("export")).resolve("tetragon.log");
        List<String> first = Samples.lines("events/process_exec.jsonl");
        Files.write(export, (String.join("\n", first) + "\n").getBytes(StandardCharsets.UTF_8));
        start(dir, routes, true);
        await().atMost(Duration.ofSeconds(60)).until(() -> committed(dir) == Files.size(export));

        // a user adds one stock step to output-all, right after its setBody
        Path outputs = routes.resolve("tetragon-outputs.camel.yaml");
        String anchor = "            simple: \"${body.select('all')}\"\n";
        String yaml = Files.readString(outputs);
        Path copy = dir.resolve("stock");
        Files.writeString(outputs, yaml.replace(anchor, anchor
                + "        - to:\n"
                + "            uri: \"file:" + copy + "?fileName=copy.ndjson&fileExist=Append\"\n"));
        // reloaded when the route has been replaced: the new step is in output-all
        CamelContext camel = main.getCamelContext();
        await().atMost(Duration.ofSeconds(30)).until(() -> camel.getEndpoints().stream()
                .anyMatch(e -> e.getEndpointUri().startsWith("file://") && e.getEndpointUri().contains("stock"))
                && java.util.stream.Stream.of("output-all", "output-alerts", "output-network", "output-dead-letter")
                .allMatch(id -> camel.getRouteController().getRouteStatus(id) != null
                        && camel.getRouteController().getRouteStatus(id).isStarted()));

        List<String> next = Samples.lines("events/process_kprobe.jsonl");
        Files.write(export, (String.join("\n", next) + "\n").getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.APPEND);
        await().atMost(Duration.ofSeconds(60)).until(() -> committed(dir) == Files.size(export));
        List<String> copied = Files.readAllLines(copy.resolve("copy.ndjson"));
        assertEquals(next.size(), copied.size(), "the stock sink gets every event read after the reload");
        List<String> events = Files.readAllLines(dir.resolve("data/out/events.ndjson"));
        assertEquals(first.size() + next.size(), events.size(), "and the kit's own sink still gets every event");
        assertEquals(events.subList(first.size(), events.size()), copied, "the same NDJSON as the file sink");
    }
}
