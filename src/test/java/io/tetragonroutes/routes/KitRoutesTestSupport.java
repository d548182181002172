package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.camel.TetragonKit;
import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kamelet.KameletComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelTestSupport;
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
import java.util.Properties;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kit as users run it, minus Quarkus: the route files from routes/, the kamelets from kamelets/, the rules from
 * routes/rules/, and our beans, in a plain CamelContext with the export and data directories under target/.
 */
abstract class KitRoutesTestSupport extends CamelTestSupport {

    protected final ObjectMapper mapper = new ObjectMapper();
    protected final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    protected final Path dir = createTempDir();
    protected final Path export = dir.resolve("export/tetragon.log");
    protected final Path data = dir.resolve("data");

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory(Files.createDirectories(Path.of("target")), "routes-yaml");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext ctx = super.createCamelContext();
        Properties p = new Properties();
        p.put("tetragon.export.path", export.toString());
        p.put("tetragon.data.dir", data.toString());
        p.put("tetragon.export.start-at", "beginning");
        p.put("tetragon.export.max-line-bytes", "1048576");
        p.put("tetragon.export.batch-size", "100");
        p.put("tetragon.export.linger-ms", "0");
        p.put("tetragon.export.max-inflight", "4");
        p.put("tetragon.sink.file.enabled", "true");
        p.put("tetragon.sink.retry.initial-delay-ms", "100");
        p.put("tetragon.sink.retry.max-delay-ms", "1000");
        p.put("tetragon.shutdown.timeout-seconds", "10");
        p.put("tetragon.rules.path", rules().toString());
        p.put("tetragon.rules.internal-cidrs", "10.0.0.0/8");
        p.put("tetragon.rules.throttle-keys", "100");
        p.put("tetragon.rules.reload-interval", "0s");
        properties(p);
        ctx.getPropertiesComponent().setOverrideProperties(p); // over application.properties
        // what camel.main.shutdown-timeout=${tetragon.shutdown.timeout-seconds} does in the app
        ctx.getShutdownStrategy().setTimeout(Long.parseLong(p.getProperty("tetragon.shutdown.timeout-seconds")));
        // what camel.main.stream-caching-deny-classes does in the app: the file producer reads the NDJSON stream
        ctx.getStreamCachingStrategy().setDenyClasses(io.tetragonroutes.sink.NdjsonStream.class);
        ctx.getComponent("kamelet", KameletComponent.class).setLocation("file:kamelets");
        return ctx;
    }

    @Override
    protected void bindToRegistry(Registry r) {
        // The kamelets declare their own steps (template.beans); the kit finds the meters and, for the tests that
        // bring a Kubernetes cache of their own, the enrichment step here.
        r.bind(TetragonKit.METER_REGISTRY, registry);
        r.bind("tetragonK8s", k8s());
    }

    /** The enrichment step: off unless a test class brings a cache. */
    protected io.tetragonroutes.enrich.K8sEnricher k8s() {
        return io.tetragonroutes.enrich.K8sEnricher.disabled(registry);
    }

    /** The rules in use: the shipped pack unless a test class brings its own. */
    protected Path rules() {
        return Path.of("routes/rules");
    }

    /** Where the route files come from: the shipped ones unless a test class edits copies, as a user would. */
    protected Path routesDir() {
        return Path.of("routes");
    }

    /** Adds or overrides properties for one test class (a sink's address, ...). */
    protected void properties(Properties p) {
    }

    @Override
    protected RoutesBuilder createRouteBuilder() {
        return new RouteBuilder() {
            @Override
            public void configure() throws Exception {
                try (var files = Files.list(routesDir())) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                        PluginHelper.getRoutesLoader(getContext())
                                .loadRoutes(ResourceHelper.resolveResource(getContext(), "file:" + f));
                    }
                }
            }
        };
    }

    /**
     * The tail's committed offset in the live file, from the checkpoint on disk (0 when there is none yet). It
     * moves past a batch only when every output has taken it.
     */
    protected long committedOffset() throws IOException {
        Path dirs = data.resolve("checkpoints");
        if (!Files.isDirectory(dirs)) {
            return 0;
        }
        try (var files = Files.list(dirs)) {
            Path cp = files.filter(f -> f.toString().endsWith(".json")).findFirst().orElse(null);
            if (cp == null) {
                return 0;
            }
            JsonNode n = mapper.readTree(cp.toFile());
            assertEquals(export.toAbsolutePath().toString(), n.path("file").asText(), "no rotation here: the live file");
            return n.path("offset").asLong();
        }
    }

    static long lineCount(Path p) throws IOException {
        if (!Files.exists(p)) {
            return 0;
        }
        try (var l = Files.lines(p)) {
            return l.count();
        }
    }
}
