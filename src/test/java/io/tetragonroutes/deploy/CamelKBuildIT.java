package io.tetragonroutes.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.tetragonroutes.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Camel K's operator builds for {@code k8s/camel-k/integration.yaml}, built and run here: a fresh Maven project
 * on the plain-Quarkus runtime (the Quarkus platform and Camel Quarkus extensions of our Camel version, the
 * extensions the routes use), with this project's library jar as its only other dependency, installed by the test
 * into a repository of its own (a unique version, so no stale copy in ~/.m2 can stand in for it); the routes as
 * sources, the Integration's {@code camel} trait properties as its configuration. It is packaged, run on an export of
 * the real samples, and must ship every event through parse, rules and the file sink with the kamelets and steps
 * from the jar alone. Not covered: the operator itself, its Kubernetes traits (mounts, health, Prometheus), the
 * camel-k-runtime variant, and a native build.
 */
@Timeout(900)
class CamelKBuildIT {

    @Test
    void theIntegrationBuildsAsCamelKBuildsItAndShipsTheSamples() throws Exception {
        Path work = Files.createDirectories(Path.of("target/camel-k-it"));
        deleteTree(work);
        Path repo = Files.createDirectories(work.resolve("repo"));
        Path project = Files.createDirectories(work.resolve("integration"));
        Path jar;
        try (Stream<Path> s = Files.list(Path.of("target"))) {
            jar = s.filter(p -> p.getFileName().toString().matches("tetragon-routes-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("the library jar: run ./mvnw package first"));
        }
        String version = "0.0.0-camel-k-it-" + System.currentTimeMillis();
        Path pom = work.resolve("tetragon-routes.pom");
        Files.writeString(pom, Files.readString(Path.of("pom.xml"))
                .replaceFirst("<version>[^<]+</version>", "<version>" + version + "</version>"));
        mvn(Path.of("."), "install:install-file", "-Dfile=" + jar.toAbsolutePath(), "-DpomFile=" + pom.toAbsolutePath(),
                "-DlocalRepositoryPath=" + repo.toAbsolutePath());

        JsonNode integration = Kustomize.YAML.readTree(Path.of("k8s/camel-k/integration.yaml").toFile());
        List<String> deps = new ArrayList<>();
        integration.path("spec").path("dependencies").forEach(d -> deps.add(d.asText()));
        assertTrue(deps.stream().anyMatch(d -> d.startsWith("mvn:io.tetragonroutes:tetragon-routes:")), deps.toString());
        StringBuilder props = new StringBuilder();
        integration.path("spec").path("traits").path("camel").path("properties")
                .forEach(p -> props.append(p.asText()).append('\n'));
        Path routes = Path.of("routes").toAbsolutePath();
        List<String> sources = new ArrayList<>();
        integration.path("spec").path("sources").forEach(s -> sources.add("file:" + routes.resolve(s.path("name").asText())));
        assertEquals(2, sources.size());
        // what the operator adds: the sources, and (the mount trait) the kamelets and rules
        props.append("camel.main.routes-include-pattern=").append(String.join(",", sources)).append('\n');
        Files.createDirectories(project.resolve("src/main/resources"));
        Files.writeString(project.resolve("src/main/resources/application.properties"), props);
        Files.writeString(project.resolve("pom.xml"), integrationPom(version, repo));

        mvn(project, "-q", "package", "-DskipTests");
        Path app = project.resolve("target/quarkus-app/quarkus-run.jar");
        assertTrue(Files.exists(app));
        // the library's optional dependencies (our own app's Quarkus extensions) stayed out of the Integration
        try (Stream<Path> libs = Files.list(project.resolve("target/quarkus-app/lib/main"))) {
            List<String> names = libs.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.stream().anyMatch(n -> n.startsWith("io.tetragonroutes.tetragon-routes-")), names.toString());
            for (String ours : List.of("quarkus-micrometer-registry-prometheus", "camel-quarkus-microprofile-health",
                    "quarkus-kubernetes-client-")) {
                assertFalse(names.stream().anyMatch(n -> n.contains(ours)), ours + " came in through the library");
            }
        }

        Path run = Files.createDirectories(work.resolve("run"));
        Path export = Files.createDirectories(run.resolve("export")).resolve("tetragon.log");
        List<String> lines = Samples.lines("events/process_exec.jsonl", "events/process_kprobe.jsonl",
                "events/process_exit.jsonl", "events/rate_limit_info.jsonl");
        Files.writeString(export, String.join("\n", lines) + "\n<not json>\n");
        Path data = run.resolve("data");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtetragon.export.path=" + export.toAbsolutePath(), "-Dtetragon.data.dir=" + data.toAbsolutePath(),
                "-Dtetragon.rules.path=" + Path.of("routes/rules").toAbsolutePath(),
                "-Dcamel.component.kamelet.location=classpath:kamelets", // the kamelets inside the library jar
                "-Dquarkus.http.port=0", "-jar", app.toAbsolutePath().toString())
                .directory(run.toFile()).redirectErrorStream(true).redirectOutput(run.resolve("app.log").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TETRAGON_") || k.startsWith("CAMEL_"));
        Process p = pb.start();
        try {
            Path events = data.resolve("out/events.ndjson");
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
                assertTrue(p.isAlive(), () -> "the Integration stopped: " + log(run));
                return Files.exists(events) && Files.readAllLines(events).size() == lines.size()
                        && Files.exists(data.resolve("dead-letter/dead-letter.ndjson"));
            });
            assertTrue(Files.readString(data.resolve("out/alerts.ndjson")).contains("tetragon-rate-limited"));
            assertTrue(Files.readString(data.resolve("dead-letter/dead-letter.ndjson")).contains("malformed_json"));
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** The project Camel K's operator generates for the plain-Quarkus runtime, at our platform's versions. */
    private static String integrationPom(String version, Path repo) throws IOException {
        String ours = Files.readString(Path.of("pom.xml"));
        String platform = between(ours, "<quarkus.platform.version>", "</quarkus.platform.version>");
        StringBuilder deps = new StringBuilder();
        for (String ext : List.of("yaml-dsl", "kamelet", "direct", "log", "bean", "kafka", "file")) {
            deps.append("    <dependency><groupId>org.apache.camel.quarkus</groupId><artifactId>camel-quarkus-")
                    .append(ext).append("</artifactId></dependency>\n");
        }
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>org.apache.camel.k.integration</groupId>
                  <artifactId>tetragon-routes-integration</artifactId>
                  <version>1.0.0</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <repositories>
                    <repository><id>kit</id><url>%s</url></repository>
                  </repositories>
                  <dependencyManagement>
                    <dependencies>
                      <dependency><groupId>io.quarkus.platform</groupId><artifactId>quarkus-bom</artifactId>
                        <version>%s</version><type>pom</type><scope>import</scope></dependency>
                      <dependency><groupId>io.quarkus.platform</groupId><artifactId>quarkus-camel-bom</artifactId>
                        <version>%s</version><type>pom</type><scope>import</scope></dependency>
                    </dependencies>
                  </dependencyManagement>
                  <dependencies>
                %s    <dependency><groupId>io.tetragonroutes</groupId><artifactId>tetragon-routes</artifactId>
                      <version>%s</version></dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin><groupId>io.quarkus.platform</groupId><artifactId>quarkus-maven-plugin</artifactId>
                        <version>%s</version><extensions>true</extensions>
                        <executions><execution><goals><goal>build</goal></goals></execution></executions>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(repo.toAbsolutePath().toUri(), platform, platform, deps, version, platform);
    }

    private static String between(String s, String a, String b) {
        int i = s.indexOf(a) + a.length();
        return s.substring(i, s.indexOf(b, i)).trim();
    }

    private static void mvn(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of("mvnw").toAbsolutePath().toString(), "-B"));
        cmd.addAll(List.of(args));
        Path log = Files.createTempFile("mvn", ".log");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " failed:\n" + tail(log));
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> l = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", l.subList(Math.max(0, l.size() - 60), l.size()));
    }

    private static String log(Path run) {
        try {
            return tail(run.resolve("app.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).filter(f -> !f.equals(dir)).forEach(f -> f.toFile().delete());
        }
    }
}
