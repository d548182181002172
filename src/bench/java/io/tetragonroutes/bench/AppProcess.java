package io.tetragonroutes.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged app in its own JVM, as users run it, with what the benchmarks read from outside: /proc and metrics. */
final class AppProcess implements AutoCloseable {

    private final Process process;
    private final long startedAt;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private AppProcess(Process process, long startedAt, int port, Path log) {
        this.process = process;
        this.startedAt = startedAt;
        this.port = port;
        this.log = log;
    }

    /** {@code jvm}: JVM options (blank = the JVM's defaults); {@code props}: -D settings for the app. */
    static AppProcess start(Path jar, String jvm, List<String> props, Path export, Path data, Path log)
            throws IOException {
        return start(jar, Path.of("").toAbsolutePath(), jvm, props, export, data, log);
    }

    /** {@code workDir}: where the app finds {@code routes/} and {@code kamelets/} (its project's checkout). */
    static AppProcess start(Path jar, Path workDir, String jvm, List<String> props, Path export, Path data, Path log)
            throws IOException {
        int port = freePort();
        List<String> cmd = java(jvm);
        cmd.addAll(props);
        cmd.addAll(List.of("-Dtetragon.export.path=" + export, "-Dtetragon.data.dir=" + data,
                "-Dquarkus.http.port=" + port, "-Dcamel.main.routes-reload-enabled=false", "-jar", jar.toString()));
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TETRAGON_") || k.startsWith("KUBERNETES_"));
        long t = System.nanoTime();
        return new AppProcess(pb.start(), t, port, log);
    }

    /** This JVM's {@code java} with {@code jvm}'s options (blank = none), ready for more arguments. */
    static List<String> java(String jvm) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (!jvm.isBlank()) {
            cmd.addAll(List.of(jvm.trim().split("\\s+")));
        }
        return cmd;
    }

    long startedAt() {
        return startedAt;
    }

    long pid() {
        return process.pid();
    }

    void checkAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the app exited; see " + log);
        }
    }

    /** A /proc/PID/status field in kB (VmRSS:, VmHWM:). */
    long statusKb(String key) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (l.startsWith(key)) {
                return Long.parseLong(l.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        return 0;
    }

    /** utime + stime of the process, from /proc (clock ticks of 1/100 s on Linux). */
    double cpuSeconds() throws IOException {
        return cpuSeconds(process.pid());
    }

    /** utime + stime of any process, from /proc. */
    static double cpuSeconds(long pid) throws IOException {
        return cpuSeconds(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    }

    /** utime + stime from a /proc stat line, of a process or of one of its threads. */
    static double cpuSeconds(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    /** stime alone (the kernel's share: system calls, page faults) from a /proc stat line. */
    static double systemSeconds(String stat) {
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[12]) / 100.0;
    }

    /** The sum of the Prometheus samples whose line starts with {@code prefix}; 0 while the app is not up. */
    double metric(String prefix) {
        try {
            String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            double sum = 0;
            for (String l : text.split("\n")) {
                if (l.startsWith(prefix)) {
                    sum += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** Whether /q/health/ready answers 200 (Camel's routes up and every tailed export open). */
    boolean ready() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
