package io.tetragonroutes.sink.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real KRaft broker ({@code kafka.Kafka}, the jars Kafka's test kit already brings) in a child JVM on fixed
 * loopback ports, with its data in a directory that survives a restart: {@link #kill()} is a SIGKILL, and
 * {@link #restart()} brings the same broker back at the same address, as a crashed broker pod would come back.
 */
public final class ForkedKafkaBroker extends KafkaBroker {

    private final Path dir;
    private final int port;
    private Process process;
    private int runs;

    private ForkedKafkaBroker(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static ForkedKafkaBroker start(Path dir) throws Exception {
        Files.createDirectories(dir);
        int port = freePort();
        int controllerPort = freePort();
        Path config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("logs").toAbsolutePath(),
                "num.partitions=1",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "") );
        Process format = java(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                "-c", config.toString(), "--standalone"), dir.resolve("format.log"));
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("kafka storage format failed: " + Files.readString(dir.resolve("format.log")));
        }
        ForkedKafkaBroker broker = new ForkedKafkaBroker(dir, port);
        broker.restart();
        return broker;
    }

    @Override
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Starts the broker (again) on the same ports and data, and waits until it answers. */
    public void restart() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        process = java(List.of("kafka.Kafka", dir.resolve("server.properties").toString()),
                dir.resolve("broker-" + (++runs) + ".log"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(Exception.class).until(() -> {
                if (!process.isAlive()) {
                    throw new AssertionError("the broker exited: see " + dir.resolve("broker-" + runs + ".log"));
                }
                return !admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty();
            });
        }
    }

    /** The broker's process id, for benchmarks that read its CPU from /proc. */
    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no controlled shutdown, no flush beyond what the OS already has. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            kill();
        }
    }

    private static Process java(List<String> args, Path log) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms128m", "-Xmx384m", "-cp", System.getProperty("java.class.path")));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
