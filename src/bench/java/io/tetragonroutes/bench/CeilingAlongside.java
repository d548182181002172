package io.tetragonroutes.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The ceiling loop running at the same time as the app, over the first lines of the same export again and again.
 * This machine's speed drifts by tens of percent over minutes, for every process alike; a ceiling measured in the
 * same seconds as the app's steady window meets the same drift, so the ratio of the two holds still, as two builds
 * run side by side do ({@link PairBench}). {@link SteadyWindow} reads its count and CPU at the window's edges.
 */
final class CeilingAlongside implements AutoCloseable {

    private final Process process;
    private volatile long events;

    private CeilingAlongside(Process process) {
        this.process = process;
        Thread reader = new Thread(this::read, "ceiling-alongside");
        reader.setDaemon(true);
        reader.start();
    }

    /** In its own JVM with {@code jvm}'s options, as {@link EndToEndBench#ceiling} runs it. */
    static CeilingAlongside start(Path source, String jvm, long lines) throws IOException {
        List<String> cmd = EndToEndBench.mainCommand(jvm, CeilingLoop.class, source.toString(), Long.toString(lines),
                "alongside");
        return new CeilingAlongside(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String l;
            while ((l = in.readLine()) != null) {
                try {
                    events = Long.parseLong(l.trim());
                } catch (NumberFormatException jvmNoise) {
                    // a JVM option's own output
                }
            }
        } catch (IOException closed) {
            // the loop was stopped
        }
    }

    /** Lines done so far (to the last {@value CeilingLoop#EVERY}). */
    long events() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the ceiling loop exited with " + process.exitValue());
        }
        return events;
    }

    /** The loop's process CPU seconds (all threads), from /proc. */
    double cpuSeconds() throws IOException {
        return AppProcess.cpuSeconds(process.pid());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
