package io.tetragonroutes.tail;

import io.tetragonroutes.demo.LumberjackWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real SIGKILL of a process in the middle of a busy stream across rotated files, then a restart. */
@Timeout(180)
class KillNineTest {

    @TempDir
    Path tmp;

    private final List<Process> children = new java.util.ArrayList<>();

    /** Whatever happened in the test, no child JVM outlives it. */
    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    @Test
    void killNineMidStreamLosesNothingAndRepeatsOnlyUnacknowledgedBatches() throws Exception {
        Path export = tmp.resolve("export/tetragon.log");
        Path data = tmp.resolve("data");
        Path out = tmp.resolve("out.ndjson");
        int total = 20_000;
        Process first = start(export, data, out);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(tmp.resolve("child.log"))
                .contains("started"));
        try (LumberjackWriter w = new LumberjackWriter(export, 1_000_000, 100, false)) {
            TailTest.write(w, 0, total); // about 17 files, written faster than the durable sink keeps up
        }
        killAfter(first, out, 4_000); // SIGKILL: no shutdown hook, no final checkpoint
        first.waitFor();
        long atKill = count(out);
        assertTrue(atKill < total, "killed mid-stream (" + atKill + " lines out)");

        restartUntilEveryLineIsOut(export, data, out, total);
        assertEveryLineOnceButTheBatchesInFlight(out, total);
    }

    @Test
    void killNineInTheMiddleOfTheHistoryOfAFirstStartResumesWithoutLoss() throws Exception {
        Path export = tmp.resolve("export/tetragon.log");
        Path data = tmp.resolve("data");
        Path out = tmp.resolve("out.ndjson");
        int total = 20_000;
        // Tetragon wrote all of it before the first start: about 17 backups, gzipped, and the live file
        try (LumberjackWriter w = new LumberjackWriter(export, 1_000_000, 100, true)) {
            TailTest.write(w, 0, total);
        }
        try (var files = Files.list(export.getParent())) {
            assertTrue(files.filter(f -> f.toString().endsWith(".log.gz")).count() > 10, "gzipped history");
        }
        Process first = start(export, data, out);
        killAfter(first, out, 4_000); // SIGKILL inside the history
        first.waitFor();
        assertTrue(count(out) < total, "killed in the middle of the history (" + count(out) + " lines out)");

        restartUntilEveryLineIsOut(export, data, out, total);
        assertEveryLineOnceButTheBatchesInFlight(out, total);
    }

    /** SIGKILLs the child once it has written {@code lines} lines: no shutdown hook, no final checkpoint. */
    private void killAfter(Process child, Path out, long lines) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> count(out) >= lines);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            child.destroyForcibly();
            throw new AssertionError("the child produced " + count(out) + " lines; its log:\n"
                    + Files.readString(tmp.resolve("child.log")), e);
        }
        child.destroyForcibly();
    }

    /** Starts the child again and lets it run until every one of the {@code total} lines is out. */
    private void restartUntilEveryLineIsOut(Path export, Path data, Path out, int total) throws Exception {
        Process second = start(export, data, out);
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> distinct(out) >= total);
        } finally {
            second.destroyForcibly();
            second.waitFor();
        }
    }

    /** Every export line arrived, nothing else did, and at most the batches in flight at the kill (50 x 4) twice. */
    private static void assertEveryLineOnceButTheBatchesInFlight(Path out, int total) throws IOException {
        List<String> got = Files.readAllLines(out);
        Map<String, Integer> counts = new HashMap<>();
        got.forEach(l -> counts.merge(l, 1, Integer::sum));
        for (int i = 0; i < total; i++) {
            assertTrue(counts.containsKey(TailTest.line(i)), "line " + i + " lost");
        }
        assertEquals(total, counts.size(), "nothing but export lines");
        long duplicates = got.size() - total;
        assertTrue(duplicates <= 200, duplicates + " duplicates");
    }

    private Process start(Path export, Path data, Path out) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashTarget.class.getName(), export.toString(), data.toString(), out.toString());
        pb.redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile());
        Process p = pb.start();
        children.add(p);
        return p;
    }

    private static long count(Path out) throws IOException {
        if (!Files.exists(out)) {
            return 0;
        }
        try (var lines = Files.lines(out, StandardCharsets.UTF_8)) {
            return lines.count();
        }
    }

    private static long distinct(Path out) throws IOException {
        if (!Files.exists(out)) {
            return 0;
        }
        try (var lines = Files.lines(out, StandardCharsets.UTF_8)) {
            return lines.distinct().count();
        }
    }
}
