package io.tetragonroutes.sink.elasticsearch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Elasticsearch 8.19 (Maven Central's integ-test distribution, unpacked by the build into
 * {@code target/elasticsearch-dist}), single node on loopback, with security on: Basic auth against a file-realm
 * superuser. It refuses to run as root, so as root (CI) it runs as {@code nobody} through {@code setpriv}, its
 * tree handed to that user first. Shared by the test classes of one JVM and stopped when the JVM exits.
 * <p>
 * What this distribution lacks, and so what stays untested against a real server: ILM and the
 * {@code _data_stream} API (no handler), API keys (creating one fails: no {@code pattern_capture} filter), ingest
 * pipelines, and the types {@code constant_keyword}, {@code wildcard}, {@code match_only_text}, {@code scaled_float}.
 */
public final class ElasticsearchNode extends SearchNode {

    public static final String USER = "tetragon";
    public static final String PASSWORD = "s3cret-for-tests";
    private static ElasticsearchNode shared;

    private final Path home;
    private final Path work;
    private final boolean root;
    private final int transportPort;
    private Process launcher;

    private ElasticsearchNode(Path home, Path work, int port, int transportPort) {
        super(port);
        this.home = home;
        this.work = work;
        this.transportPort = transportPort;
        this.root = "root".equals(System.getProperty("user.name"));
    }

    /** The JVM's one node, started on first use. */
    public static synchronized ElasticsearchNode shared() throws Exception {
        if (shared == null) {
            Path home = Path.of(System.getProperty("tetragon.elasticsearch.home",
                    "target/elasticsearch-dist/elasticsearch-8.19.21")).toAbsolutePath();
            if (!Files.isExecutable(home.resolve("bin/elasticsearch"))) {
                throw new IllegalStateException("no Elasticsearch at " + home + ": `./mvnw verify` unpacks it "
                        + "(pre-integration-test)");
            }
            Path work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "es-node");
            ElasticsearchNode node = new ElasticsearchNode(home, work, freePort(19200, 19299),
                    freePort(19300, 19399));
            node.prepare();
            node.start();
            shared = stopAtExit(node);
        }
        return shared;
    }

    @Override
    public String name() {
        return "Elasticsearch";
    }

    @Override
    public boolean secured() {
        return true;
    }

    @Override
    public String username() {
        return USER;
    }

    @Override
    public String password() {
        return PASSWORD;
    }

    private void prepare() throws Exception {
        if (root) {
            run(List.of("chown", "-R", "nobody:nogroup", home.toString(), work.toString()));
            for (Path p = work.getParent(); p != null; p = p.getParent()) {
                run(List.of("chmod", "o+x", p.toString()));
            }
            for (Path p = home.getParent(); p != null; p = p.getParent()) {
                run(List.of("chmod", "o+x", p.toString()));
            }
        }
        // users are read from the config directory; useradd refuses an existing user, so remove it first
        run(command(List.of(home.resolve("bin/elasticsearch-users").toString(), "userdel", USER)), true);
        run(command(List.of(home.resolve("bin/elasticsearch-users").toString(), "useradd", USER, "-p", PASSWORD,
                "-r", "superuser")));
    }

    @Override
    public synchronized void start() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/elasticsearch").toString(), "-d", "-p",
                work.resolve("es.pid").toString(),
                "-E", "discovery.type=single-node", "-E", "network.host=127.0.0.1",
                "-E", "http.port=" + port, "-E", "transport.port=" + transportPort,
                "-E", "xpack.security.enabled=true", "-E", "xpack.security.http.ssl.enabled=false",
                "-E", "xpack.security.transport.ssl.enabled=false",
                "-E", "path.data=" + work.resolve("data"), "-E", "path.logs=" + work.resolve("logs"),
                "-E", "cluster.routing.allocation.disk.threshold_enabled=false"));
        ProcessBuilder pb = new ProcessBuilder(command(cmd)).redirectErrorStream(true)
                .redirectOutput(work.resolve("launcher.log").toFile());
        launcher = pb.start();
        if (!launcher.waitFor(120, TimeUnit.SECONDS) || launcher.exitValue() != 0) {
            throw new IllegalStateException("Elasticsearch did not start: " + Files.readString(work.resolve("launcher.log")));
        }
        awaitHealthy(null, Duration.ofSeconds(120));
    }

    @Override
    public synchronized void stop() throws Exception {
        Path pid = work.resolve("es.pid");
        if (!Files.exists(pid)) {
            return;
        }
        long p = Long.parseLong(Files.readString(pid).trim());
        ProcessHandle.of(p).ifPresent(h -> {
            h.destroy();
            h.onExit().orTimeout(60, TimeUnit.SECONDS).join();
        });
        Files.deleteIfExists(pid);
    }

    /** As root, the command as {@code nobody} with a clean environment; otherwise as it is. */
    private List<String> command(List<String> cmd) {
        String javaHome = System.getProperty("java.home");
        List<String> env = List.of("env", "-i", "PATH=/usr/bin:/bin", "HOME=" + work, "ES_JAVA_HOME=" + javaHome,
                "ES_JAVA_OPTS=-Xms512m -Xmx512m");
        List<String> out = new ArrayList<>();
        if (root) {
            out.addAll(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
        }
        out.addAll(env);
        out.addAll(cmd);
        return out;
    }

    private void run(List<String> cmd) throws IOException, InterruptedException {
        run(cmd, false);
    }

    private void run(List<String> cmd, boolean mayFail) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0 && !mayFail) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
