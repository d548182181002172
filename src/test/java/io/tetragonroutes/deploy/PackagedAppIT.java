package io.tetragonroutes.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged app: the catalog's kamelets ride along but our {@code kafka-sink} is the one on its classpath, and
 * {@code java -jar quarkus-run.jar check} validates the repository's configuration and exits without starting Quarkus.
 */
@Timeout(120)
class PackagedAppIT {

    private static final Path JAR = Path.of(System.getProperty("tetragon.app.jar", "target/quarkus-app/quarkus-run.jar"));

    @Test
    void theJarCarriesOurKafkaSinkAndTheCatalog() throws Exception {
        try (ZipFile jar = new ZipFile(JAR.toFile())) {
            assertTrue(text(jar, "kamelets/kafka-sink.kamelet.yaml").contains("provider: \"tetragon-routes\""),
                    "ours, not the catalog's kafka-sink");
            assertTrue(text(jar, "kamelets/log-sink.kamelet.yaml").contains("Apache Software Foundation"));
            assertNotNull(jar.getEntry("META-INF/services/org/apache/camel/TypeConverterLoader"));
        }
    }

    private static String text(ZipFile jar, String entry) throws Exception {
        assertNotNull(jar.getEntry(entry), entry);
        try (InputStream in = jar.getInputStream(jar.getEntry(entry))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void checkRunsFromTheJarAndExitsWithItsVerdict() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtetragon.export.path=target/check-it/never/tetragon.log", "-jar", JAR.toAbsolutePath().toString(),
                "check").redirectError(ProcessBuilder.Redirect.DISCARD); // the verdict is on stdout, the log on stderr
        pb.environment().keySet().removeIf(k -> k.startsWith("TETRAGON_") || k.startsWith("CAMEL_"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("rules      17 loaded") && out.contains("rule tests 24 passed, 0 failed"), out);
        assertTrue(out.strip().endsWith("OK"), out);
        assertTrue(!out.contains("Listening on"), "Quarkus was not started: " + out);
    }
}
