package io.tetragonroutes.check;

import com.sun.net.httpserver.HttpServer;
import io.tetragonroutes.sink.kafka.KafkaBroker;
import io.tetragonroutes.SystemProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code check} on the shipped configuration, on broken routes, rules and rule tests, and with {@code --connect}
 * against a real Kafka broker and an HTTP server that refuses credentials. Settings are given as system properties,
 * as {@code -D} on the command line would.
 */
class CheckTest {

    private final SystemProperties properties = new SystemProperties();

    private void property(String key, String value) {
        properties.set(key, value);
    }

    @AfterEach
    void clear() {
        properties.clear();
    }

    private record Run(int code, String out) {
    }

    private static Run check(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = Check.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    }

    private static Path dir() throws IOException {
        return Files.createTempDirectory(Files.createDirectories(Path.of("target")), "check");
    }

    @Test
    void theShippedConfigurationPassesAndSaysWhatWouldRun() throws IOException {
        Path export = dir().resolve("never/created/tetragon.log");
        property("tetragon.export.path", export.toString());
        Run r = check();
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("routes     6 from file:routes/*.yaml"), r.out());
        assertTrue(r.out().contains("output-alerts"), r.out());
        assertTrue(r.out().contains("rules      17 loaded"), r.out());
        assertTrue(r.out().matches("(?s).*rule tests (\\d+) passed, 0 failed.*"), r.out());
        assertTrue(r.out().contains("file           on"), r.out());
        assertTrue(r.out().contains("kafka          off  (tetragon.sink.kafka.brokers)"), r.out());
        assertTrue(r.out().endsWith("OK\n"), r.out());
        assertFalse(Files.exists(export.getParent()), "the export is not opened, nor its directory made");
    }

    @Test
    void everyProblemIsReportedWithItsFileAndLine() throws IOException {
        Path d = dir();
        Path rules = Files.createDirectories(d.resolve("rules"));
        Files.writeString(rules.resolve("mine.yaml"), """
                rules:
                  - id: shadow
                    severity: high
                    match:
                      field: process_kprobe.args[*].file_args.path
                      equals: /etc/shadow
                """);
        Path routes = Files.createDirectories(d.resolve("routes"));
        Files.writeString(routes.resolve("bad.camel.yaml"), """
                - route:
                    from:
                      uri: direct:x
                      steps:
                        - to:
                            uri: kamelet:tetragon-file-sink
                            parameters:
                              directory: /tmp
                              fileNme: x.ndjson
                """);
        property("tetragon.rules.path", rules.toString());
        property("camel.main.routes-include-pattern", "file:" + routes + "/*.yaml");
        Run r = check();
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().matches("(?s).*\\Q" + rules.resolve("mine.yaml") + "\\E:\\d+: rule 'shadow': unknown field path "
                + "'process_kprobe.args\\[\\*]\\.file_args\\.path'.*"), r.out());
        assertTrue(r.out().contains("kamelet 'tetragon-file-sink' has no parameter 'fileNme'"), r.out());
        assertTrue(r.out().contains("kamelet 'tetragon-file-sink' requires parameter 'fileName'"), r.out());
        assertTrue(r.out().contains("2 problems:") || r.out().contains("3 problems:"), r.out());
    }

    @Test
    void aRuleTestThatFailsFailsTheCheck() throws IOException {
        Path rules = Files.createDirectories(dir().resolve("rules"));
        Files.writeString(rules.resolve("r.yaml"), """
                rules:
                  - id: curl-run
                    match:
                      field: process_exec.process.binary
                      suffix: /curl
                tests:
                  - name: curl fires
                    event: {"process_exec": {"process": {"binary": "/usr/bin/curl"}}, "node_name": "n"}
                    fires: [curl-run]
                  - name: wget does not, but this test says it does
                    event_file: wget.json
                    fires: [curl-run]
                """);
        Files.writeString(rules.resolve("wget.json"), "{\"process_exec\":{\"process\":{\"binary\":\"/usr/bin/wget\"}}}\n");
        property("tetragon.rules.path", rules.toString());
        Run r = check();
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("rule tests 1 passed, 1 failed"), r.out());
        assertTrue(r.out().contains(rules.resolve("r.yaml") + ":10: test 'wget does not, but this test says it does': "
                + "expected 'curl-run' to fire (fired: [])"), r.out());
    }

    @Test
    void connectTriesEachSinkWithItsCredentials() throws Exception {
        HttpServer es = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        List<String> auth = new ArrayList<>();
        es.createContext("/", x -> {
            auth.add(x.getRequestHeaders().getFirst("Authorization"));
            x.sendResponseHeaders(401, -1);
            x.close();
        });
        es.start();
        try (KafkaBroker kafka = KafkaBroker.start()) {
            property("tetragon.sink.kafka.brokers", kafka.bootstrapServers());
            property("tetragon.sink.elasticsearch.url", "http://127.0.0.1:" + es.getAddress().getPort());
            property("tetragon.sink.elasticsearch.username", "elastic");
            property("tetragon.sink.elasticsearch.password", "wrong-password");
            Run r = check("--connect");
            assertEquals(1, r.code(), r.out());
            assertTrue(r.out().matches("(?s).*kafka +OK +" + kafka.bootstrapServers() + ": cluster of 1 broker.*"),
                    r.out());
            assertTrue(r.out().contains("GET / on http://127.0.0.1:" + es.getAddress().getPort()
                    + "/...: HTTP 401 (credentials refused)"), r.out());
            assertFalse(r.out().contains("wrong-password"), "credentials are never printed");
            assertTrue(auth.get(0).startsWith("Basic "), "the credentials were sent");
        } finally {
            es.stop(0);
        }
    }
}
