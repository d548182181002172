package io.tetragonroutes.tail;

import io.tetragonroutes.demo.LumberjackWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(120)
class TailTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    /** A realistic-size line with a unique, checkable number. */
    static String line(int n) {
        return "{\"process_exec\":{\"process\":{\"pid\":" + n + ",\"binary\":\"/bin/sh\",\"arguments\":\""
                + "x".repeat(300 + n % 700) + "\"}},\"node_name\":\"n1\",\"time\":\"2026-11-22T10:00:00Z\"}";
    }

    static List<String> lines(int from, int to) {
        return IntStream.range(from, to).mapToObj(TailTest::line).toList();
    }

    static void write(LumberjackWriter w, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            w.writeLine(line(i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private TailHarness harness(String options) {
        return new TailHarness(tmp.resolve("export/tetragon.log"), tmp.resolve("data"), options);
    }

    /** Waits for n lines; if they never come, the assertion that follows says which are missing. */
    private static void awaitLines(TailHarness h, int n) {
        try {
            await().atMost(WAIT).until(() -> h.texts().size() >= n);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // reported by assertExactlyOnce with the missing line numbers
        }
    }

    @Test
    void appendedLinesArriveInOrder() throws Exception {
        try (TailHarness h = harness("batchSize=7").start();
             LumberjackWriter w = new LumberjackWriter(h.export, 1 << 30, 5, false)) {
            write(w, 0, 50);
            awaitLines(h, 50);
            write(w, 50, 120);
            awaitLines(h, 120);
            assertExactlyOnce(lines(0, 120), h.texts());
            assertTrue(h.counter("tetragon.tail.batches") >= 120 / 7, "batches of at most 7 lines");
        }
    }

    @Test
    void renameRotationLosesAndRepeatsNothing() throws Exception {
        try (TailHarness h = harness("").start();
             LumberjackWriter w = new LumberjackWriter(h.export, 40_000, 100, false)) {
            write(w, 0, 500); // about 10 rotations within milliseconds while the tail follows
            awaitLines(h, 500);
            assertExactlyOnce(lines(0, 500), h.texts());
            assertTrue(w.rotatedFiles().size() > 5, "rotated " + w.rotatedFiles().size() + " times");
            assertEquals(w.rotatedFiles().size(), Files.list(h.export.getParent()).count() - 1, "no backup clobbered");
        }
    }

    /**
     * Backups stamped ahead of the clock (a clock stepped back since, or rotations stamped a millisecond apart
     * within one millisecond, as LumberjackWriter does): after the live file rotates, the backups read before it
     * are not read again.
     */
    @Test
    void backupsStampedAheadOfTheClockAreReadOnce() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("export"));
        java.time.Instant ahead = java.time.Instant.now().plus(Duration.ofHours(1));
        Files.write(dir.resolve("tetragon-" + ExportFiles.stamp(ahead) + ".log"), join(lines(0, 10)));
        Files.write(dir.resolve("tetragon.log"), join(lines(10, 20)));
        TailHarness h = harness("");
        try {
            h.start();
            awaitLines(h, 20);
            Files.move(dir.resolve("tetragon.log"),
                    dir.resolve("tetragon-" + ExportFiles.stamp(ahead.plusMillis(1)) + ".log"));
            Files.write(dir.resolve("tetragon.log"), join(lines(20, 30)));
            awaitLines(h, 30);
            assertExactlyOnce(lines(0, 30), h.texts());
            h.stop(); // resumed from the checkpoint, the live file still comes after those backups
            h.start();
            Files.write(dir.resolve("tetragon.log"), join(lines(30, 35)), StandardOpenOption.APPEND);
            awaitLines(h, 35); // resumed in the live file, before it rotates again
            Files.move(dir.resolve("tetragon.log"),
                    dir.resolve("tetragon-" + ExportFiles.stamp(ahead.plusMillis(2)) + ".log"));
            Files.write(dir.resolve("tetragon.log"), join(lines(35, 40)));
            awaitLines(h, 40);
            assertExactlyOnce(lines(0, 40), h.texts());
        } finally {
            h.close();
        }
    }

    @Test
    void aBacklogStartsWithSmallBatchesThatDoubleUpToTheBatchSize() throws Exception {
        Files.createDirectories(tmp.resolve("export"));
        Files.write(tmp.resolve("export/tetragon.log"), join(lines(0, 1000)));
        try (TailHarness h = harness("batchSize=200").start()) {
            awaitLines(h, 1000);
            assertExactlyOnce(lines(0, 1000), h.texts());
            // so the first events ship while every step still runs cold (TailConsumer.FIRST_BATCH)
            assertEquals(List.of(16, 32, 64, 128, 200, 200, 200, 160), h.batchSizes);
            h.stop();
            Files.write(tmp.resolve("export/tetragon.log"), join(lines(1000, 1100)), StandardOpenOption.APPEND);
            h.start(); // again after a restart
            awaitLines(h, 1100);
            assertEquals(List.of(16, 32, 52), h.batchSizes.subList(8, h.batchSizes.size()));
        }
    }

    private static byte[] join(List<String> lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void rotationWithImmediateGzipOfTheBackup() throws Exception {
        try (TailHarness h = harness("").start();
             LumberjackWriter w = new LumberjackWriter(h.export, 40_000, 50, true)) {
            write(w, 0, 400);
            awaitLines(h, 400);
            assertExactlyOnce(lines(0, 400), h.texts());
            try (var files = Files.list(h.export.getParent())) {
                assertTrue(files.anyMatch(p -> p.toString().endsWith(".log.gz")), "backups were gzipped");
            }
        }
    }

    /** Tetragon wrote before the kit's first start: backups (one gzipped) and the live file it still writes. */
    private static void writeHistory(LumberjackWriter w) throws Exception {
        write(w, 0, 100);
        w.rotate();
        write(w, 100, 200);
        LumberjackWriter.gzip(w.rotate());
        write(w, 200, 300);
        w.rotate();
        write(w, 300, 350);
    }

    @Test
    void aFirstStartReadsEveryRetainedBackupOldestFirstThenTheLiveFile() throws Exception {
        TailHarness h = harness("batchSize=50");
        try (LumberjackWriter w = new LumberjackWriter(h.export, 1 << 30, 50, false)) {
            writeHistory(w);
            h.start();
            awaitLines(h, 350);
            assertEquals(lines(0, 350), h.texts(), "every line once, in the order Tetragon wrote them");
            write(w, 350, 360); // and the live file goes on as usual
            awaitLines(h, 360);
            assertExactlyOnce(lines(0, 360), h.texts());
        } finally {
            h.close();
        }
    }

    @Test
    void aFirstStartStoppedInTheMiddleOfTheHistoryResumesThereAfterARestart() throws Exception {
        TailHarness h = harness("batchSize=10");
        try (LumberjackWriter w = new LumberjackWriter(h.export, 1 << 30, 50, false)) {
            writeHistory(w);
            // the sink refuses from line 130 on: the tail holds there, inside the gzipped backup, until it stops
            h.failWhen = b -> b.lines().stream().anyMatch(l -> l.status() == Line.Status.OK
                    && Integer.parseInt(l.text().replaceAll(".*\"pid\":(\\d+),.*", "$1")) >= 130);
            h.start();
            await().atMost(WAIT).until(() -> h.counter("tetragon.tail.retries") > 0);
            h.stop();
            int before = h.texts().size();
            assertTrue(before >= 100 && before <= 130, "stopped in the middle of the history: " + before);
            h.failWhen = b -> false;
            h.start();
            awaitLines(h, 350);
            assertExactlyOnce(lines(0, 350), h.texts());
        } finally {
            h.close();
        }
    }

    @Test
    void startAtLiveReadsTheLiveFileAndWhatRotatesAfterTheStartOnly() throws Exception {
        TailHarness h = harness("startAt=live");
        try (LumberjackWriter w = new LumberjackWriter(h.export, 1 << 30, 50, false)) {
            writeHistory(w);
            h.start();
            awaitLines(h, 50);
            assertExactlyOnce(lines(300, 350), h.texts());
            write(w, 350, 360);
            w.rotate();
            write(w, 360, 370);
            awaitLines(h, 70);
            assertExactlyOnce(lines(300, 370), h.texts());
        } finally {
            h.close();
        }
    }

    @Test
    void restartResumesInsideARotatedBackupThatWasGzippedMeanwhile() throws Exception {
        TailHarness h = harness("batchSize=10");
        try (LumberjackWriter w = new LumberjackWriter(h.export, 1 << 30, 50, false)) {
            write(w, 0, 100);
            h.start();
            awaitLines(h, 100);
            h.stop();
            // While we are down: more lines, a rotation, the backup gzipped, two more files.
            write(w, 100, 150);
            LumberjackWriter.gzip(w.rotate());
            write(w, 150, 200);
            w.rotate();
            write(w, 200, 260);
            h.start();
            // the lag gauge sees the unread backups, then drains to zero
            await().atMost(WAIT).until(() -> h.gauge("tetragon.export.lag.bytes") > 0);
            awaitLines(h, 260);
            await().atMost(WAIT).until(() -> h.gauge("tetragon.export.lag.bytes") == 0);
            await().atMost(WAIT).until(() -> h.endpoint().isReading());
            assertExactlyOnce(lines(0, 260), h.texts());
            h.stop();
            // and a second restart with nothing new reads nothing again
            h.start();
            write(w, 260, 270);
            awaitLines(h, 270);
            assertExactlyOnce(lines(0, 270), h.texts());
        } finally {
            h.close();
        }
    }

    @Test
    void aFileDeletedBeforeItWasReadToTheEndIsReportedNotSilentlySkipped() throws Exception {
        TailHarness h = harness("batchSize=10");
        try (LumberjackWriter w = new LumberjackWriter(h.export, 1 << 30, 50, false)) {
            write(w, 0, 50);
            h.start();
            awaitLines(h, 50);
            h.stop();
            // While we are down: 30 more lines, rotation, and the backup pruned before we read it.
            write(w, 50, 80);
            Files.delete(w.rotate());
            write(w, 80, 100);
            h.start();
            awaitLines(h, 70);
            List<String> expected = new ArrayList<>(lines(0, 50));
            expected.addAll(lines(80, 100));
            assertExactlyOnce(expected, h.texts());
            Line lost = h.lines.stream().filter(l -> l.status() == Line.Status.LOST).findFirst().orElseThrow();
            assertEquals(h.export.toAbsolutePath().normalize().toString(), lost.file());
            long offsetOf50 = lines(0, 50).stream().mapToLong(l -> l.length() + 1).sum();
            assertEquals(offsetOf50, lost.offset(), "where reading stopped in the lost file");
            assertEquals(1.0, h.counter("tetragon.tail.lost.files"));
        } finally {
            h.close();
        }
    }

    @Test
    void copyTruncateIsDetectedAndTheCopyIsFinished() throws Exception {
        try (TailHarness h = harness("").start()) {
            Files.createDirectories(h.export.getParent());
            appendRaw(h.export, lines(0, 50));
            awaitLines(h, 50);
            // logrotate copytruncate: more lines, copy, truncate, then the writer goes on in the same file
            appendRaw(h.export, lines(50, 80));
            Files.copy(h.export, h.export.resolveSibling("tetragon.log.1"));
            try (RandomAccessFile raf = new RandomAccessFile(h.export.toFile(), "rw")) {
                raf.setLength(0);
            }
            appendRaw(h.export, lines(80, 100));
            awaitLines(h, 100);
            assertExactlyOnce(lines(0, 100), h.texts());
        }
    }

    @Test
    void aLineWrittenInTwoWritesIsOneLine() throws Exception {
        try (TailHarness h = harness("").start()) {
            Files.createDirectories(h.export.getParent());
            String second = line(2);
            int cut = second.length() / 2;
            appendRaw(h.export, List.of(line(1)));
            try (OutputStream o = Files.newOutputStream(h.export, StandardOpenOption.APPEND)) {
                o.write(second.substring(0, cut).getBytes(StandardCharsets.UTF_8));
                o.flush();
                awaitLines(h, 1); // the tail has read past line 1 and holds half of line 2
                await().atMost(WAIT).until(() -> h.counter("tetragon.tail.bytes") >= line(1).length());
                o.write((second.substring(cut) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            awaitLines(h, 2);
            assertEquals(List.of(line(1), second), h.texts());
            assertEquals(2, h.lines.size(), "the half line was never handed out on its own");
        }
    }

    @Test
    void aFailedBatchIsReadAgainAndNothingIsSkipped() throws Exception {
        try (TailHarness h = harness("batchSize=10&maxInflight=1");
             LumberjackWriter w = new LumberjackWriter(tmp.resolve("export/tetragon.log"), 1 << 30, 5, false)) {
            int[] failures = {3};
            h.failWhen = b -> b.lines().get(0).text().equals(line(30)) && failures[0]-- > 0;
            write(w, 0, 100);
            h.start();
            awaitLines(h, 100);
            assertExactlyOnce(lines(0, 100), h.texts());
            assertEquals(3.0, h.counter("tetragon.tail.retries"));
        }
    }

    @Test
    void aTenMebibyteLineIsSpilledWholeAndItsNeighboursPass() throws Exception {
        try (TailHarness h = harness("").start()) {
            Files.createDirectories(h.export.getParent());
            byte[] huge = new byte[10 * 1024 * 1024];
            Arrays.fill(huge, (byte) 'a');
            huge[0] = '{';
            appendRaw(h.export, List.of(line(1)));
            try (OutputStream o = Files.newOutputStream(h.export, StandardOpenOption.APPEND)) {
                o.write(huge);
                o.write('\n');
            }
            appendRaw(h.export, List.of(line(2)));
            await().atMost(WAIT).until(() -> h.lines.size() >= 3);
            assertEquals(List.of(line(1), line(2)), h.texts());
            Line big = h.lines.get(1);
            assertEquals(Line.Status.TOO_LONG, big.status());
            assertEquals(huge.length, big.len());
            assertEquals(line(1).length() + 1, big.offset());
            assertArrayEquals(huge, Files.readAllBytes(big.spill()), "the spill file holds the whole line");
        }
    }

    @Test
    void aMissingFileIsWaitedForAndReadWhenItAppears() throws Exception {
        try (TailHarness h = harness("").start()) {
            assertFalse(h.endpoint().isReading(), "not ready while the export does not exist");
            try (LumberjackWriter w = new LumberjackWriter(h.export, 1 << 30, 5, false)) {
                write(w, 0, 20);
                awaitLines(h, 20);
            }
            assertTrue(h.endpoint().isReading());
            assertExactlyOnce(lines(0, 20), h.texts());
        }
    }

    @Test
    void startAtEndSkipsWhatIsAlreadyThere() throws Exception {
        try (LumberjackWriter w = new LumberjackWriter(tmp.resolve("export/tetragon.log"), 1 << 30, 5, false);
             TailHarness h = harness("startAt=end")) {
            write(w, 0, 30);
            h.start();
            await().atMost(WAIT).until(() -> h.endpoint().isReading());
            write(w, 30, 40);
            awaitLines(h, 10);
            assertExactlyOnce(lines(30, 40), h.texts());
        }
    }

    @Test
    void standardInputIsReadToTheEnd() throws Exception {
        byte[] in = (String.join("\n", lines(0, 30)) + "\n" + "partial").getBytes(StandardCharsets.UTF_8);
        StdinSource s = new StdinSource(new java.io.ByteArrayInputStream(in),
                new LineSplitter(1 << 20, tmp.resolve("spill")));
        List<Line> got = new ArrayList<>();
        while (!s.ended()) {
            LineBatch.Builder b = LineBatch.builder(); // as the consumer does: one builder per poll
            s.poll(b, 7, 1 << 30);
            got.addAll(b.build().lines());
        }
        List<String> ok = new ArrayList<>();
        got.stream().filter(l -> l.status() == Line.Status.OK).forEach(l -> ok.add(l.text()));
        assertEquals(lines(0, 30), ok);
        assertEquals(Line.Status.UNTERMINATED, got.get(got.size() - 1).status());
        assertEquals("partial", got.get(got.size() - 1).text());
    }

    /** Same lines, same order; on failure says what is missing or repeated instead of printing both lists. */
    static void assertExactlyOnce(List<String> expected, List<String> actual) {
        if (expected.equals(actual)) {
            return;
        }
        java.util.Map<String, Integer> counts = new java.util.HashMap<>();
        actual.forEach(l -> counts.merge(l, 1, Integer::sum));
        List<Integer> missing = new ArrayList<>();
        List<Integer> repeated = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            int c = counts.getOrDefault(expected.get(i), 0);
            if (c == 0) {
                missing.add(i);
            } else if (c > 1) {
                repeated.add(i);
            }
        }
        org.junit.jupiter.api.Assertions.fail("expected " + expected.size() + " lines, got " + actual.size()
                + "; missing #" + missing + ", repeated #" + repeated + (missing.isEmpty() && repeated.isEmpty()
                ? ", out of order" : ""));
    }

    static void appendRaw(Path file, List<String> ls) throws Exception {
        Files.write(file, (String.join("\n", ls) + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }
}
