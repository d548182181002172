package io.tetragonroutes.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.demo.DemoExport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged app started as the container starts it in the DaemonSet (k8s/base): from an empty working directory,
 * with the environment of the rendered ConfigMap and the routes, rules and kamelets ConfigMaps written out as the
 * kubelet mounts them (under a temporary root standing in for /), and an API server that does not answer. It must
 * read the export, apply the mounted rules, dead-letter a bad line on the "host path", and be ready. The JVM maps the
 * AppCDS archive the image's build trains (src/main/docker/appcds-train.sh, as the Dockerfile runs it).
 */
@Timeout(180)
class ContainerLayoutIT {

    private Process app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void theAppRunsFromTheMountsAndEnvironmentTheDaemonSetGivesIt() throws Exception {
        List<ObjectNode> docs = Kustomize.render(Path.of("k8s/base"));
        Path root = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "container").toAbsolutePath();
        Map<String, JsonNode> configMaps = new HashMap<>();
        JsonNode daemonSet = null;
        for (ObjectNode d : docs) {
            if (d.path("kind").asText().equals("ConfigMap")) {
                configMaps.put(d.at("/metadata/name").asText(), d.path("data"));
            } else if (d.path("kind").asText().equals("DaemonSet")) {
                daemonSet = d;
            }
        }
        JsonNode pod = daemonSet.at("/spec/template/spec");
        Map<String, String> volumeToConfigMap = new HashMap<>();
        for (JsonNode v : pod.path("volumes")) {
            if (v.has("configMap")) {
                volumeToConfigMap.put(v.path("name").asText(), v.at("/configMap/name").asText());
            }
        }
        for (JsonNode m : pod.at("/containers/0/volumeMounts")) { // as the kubelet would, under our root
            Path at = Files.createDirectories(root.resolve(m.path("mountPath").asText().substring(1)));
            String cm = volumeToConfigMap.get(m.path("name").asText());
            if (cm != null) {
                for (var f : configMaps.get(cm).properties()) {
                    Files.writeString(at.resolve(f.getKey()), f.getValue().asText());
                }
            }
        }
        int port = freePort();
        Map<String, String> env = new HashMap<>();
        configMaps.get("tetragon-routes-env").properties().forEach(e -> env.put(e.getKey(),
                e.getValue().asText().replaceAll("(?<=^|file:|,)/", Matcher.quoteReplacement(root.toString() + "/"))));
        env.put("NODE_NAME", "layout-node");
        env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
        env.put("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", "http://127.0.0.1:" + freePort()); // nobody answers
        Path work = Files.createDirectories(root.resolve("deployments")); // no routes/ or kamelets/ here
        Path jar = Path.of(System.getProperty("tetragon.app.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        Path archive = trainAppCds(jar, root.resolve("app-cds.jsa"));
        // -Xshare:on: a JVM that cannot map the archive refuses to start, instead of starting without it
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-Xshare:on", "-XX:SharedArchiveFile=" + archive,
                "-Xlog:class+load=info:file=" + root.resolve("classes.log"),
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-jar", jar.toString())
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(root.resolve("app.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TETRAGON_") || k.startsWith("CAMEL_"));
        pb.environment().putAll(env);
        app = pb.start();

        Path export = Path.of(env.get("TETRAGON_EXPORT_PATH"));
        assertTrue(export.startsWith(root), export.toString());
        DemoExport gen = new DemoExport(5, "layout-node");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            lines.append(new String(gen.next(), StandardCharsets.UTF_8)).append('\n');
        }
        lines.append("{\"process_exec\": truncated\n");
        Files.writeString(export, lines);

        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + port;
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> http.send(
                HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        await().atMost(Duration.ofSeconds(60)).until(() -> metric(http, base, "tetragon_events_parsed_total") >= 200);
        assertEquals(17, metric(http, base, "tetragon_rules_loaded"), "the rules from the mounted ConfigMap");
        assertTrue(metric(http, base, "tetragon_k8s_lookups_total\\{result=\"miss\"") > 0,
                "enrichment on, API server down: events pass with pod_ref=miss");
        Path dead = Path.of(env.get("TETRAGON_DATA_DIR"), "dead-letter/dead-letter.ndjson");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(dead));
        assertTrue(Files.readString(dead).contains("\"reason\":\"malformed_json\""), "dead letters on the host path");
        assertTrue(Files.isDirectory(Path.of(env.get("TETRAGON_DATA_DIR"), "checkpoints")), "checkpoints on the host path");
        String ready = http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(ready.contains("tetragon-k8s") && ready.contains("\"synced\": false"), ready);
        assertFalse(Files.exists(work.resolve("data")), "nothing written to the (read-only) working directory");
        List<String> classes = Files.readAllLines(root.resolve("classes.log"));
        long fromArchive = classes.stream().filter(x -> x.contains("source: shared objects file")).count();
        // one jar on the JVM's own class loader: nearly all of them (fast-jar's loader left a quarter to its jars)
        assertTrue(fromArchive > 0.9 * classes.size(),
                "classes mapped from the archives: " + fromArchive + " of " + classes.size());
        assertTrue(classes.stream().anyMatch(x -> x.contains(
                " io.tetragonroutes.tail.ExportFollower source: shared objects file (top)")),
                "the app's own classes come from the trained archive");
    }

    /** The Dockerfile's training step, run as it runs it: the image's JVM options, from where routes/ are. */
    private static Path trainAppCds(Path jar, Path archive) throws Exception {
        String dockerfile = Files.readString(Path.of("src/main/docker/Dockerfile.jvm"));
        assertTrue(dockerfile.contains("RUN sh /tmp/appcds-train.sh /deployments /deployments/app-cds.jsa"
                + " -Xmx256m -XX:+UseSerialGC"), "the Dockerfile trains the archive");
        assertTrue(dockerfile.contains("-XX:SharedArchiveFile=/deployments/app-cds.jsa"), "and starts with it");
        return AppCdsTraining.train(jar.getParent(), archive, List.of("-Xmx256m", "-XX:+UseSerialGC"));
    }

    /** Sum of a Prometheus metric's samples whose line starts with {@code prefix} (a regex). */
    private static double metric(HttpClient http, String base, String prefix) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create(base + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        Matcher m = Pattern.compile("(?m)^" + prefix + "[^ ]* ([0-9.eE+-]+)$").matcher(text);
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }
}
