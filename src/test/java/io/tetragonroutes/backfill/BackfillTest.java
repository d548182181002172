package io.tetragonroutes.backfill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.sink.webhook.WebhookReceiver;
import io.tetragonroutes.SystemProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code backfill} over a directory of old exports, on the shipped routes, rules and file sink (Camel Main, in this
 * JVM): plain and gzipped backups in stamp order, a gzip cut short, a file with bad lines and no stamp; progress
 * lines; a second run ships nothing; a run stopped by a refusing sink continues where it stopped.
 */
@Timeout(120)
class BackfillTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final SystemProperties properties = new SystemProperties();

    private void property(String key, String value) {
        properties.set(key, value);
    }

    @AfterEach
    void clear() {
        properties.clear();
    }

    private static String event(int n) {
        String binary = n == 150 ? "/usr/bin/sudo" : "/usr/bin/ls";
        return "{\"process_exec\":{\"process\":{\"exec_id\":\"ZXhlYzo" + n + "\",\"pid\":" + n + ",\"binary\":\""
                + binary + "\",\"arguments\":\"-l\"}},\"node_name\":\"old-node\",\"time\":\"2026-11-0"
                + (n < 300 ? 1 : 2) + "T10:00:" + String.format("%02d", n % 60) + "Z\"}";
    }

    private static byte[] lines(int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < to; i++) {
            s.append(event(i)).append('\n');
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(b);
        }
        return bytes.toByteArray();
    }

    /** Four old exports: names carry Tetragon's stamps except the last, which has later events and bad lines. */
    private static Path exports(Path dir) throws IOException {
        Path in = Files.createDirectories(dir.resolve("kept"));
        Files.write(in.resolve("tetragon-2026-11-01T10-05-00.000.log.gz"), gzip(lines(100, 200)));
        Files.write(in.resolve("tetragon-2026-11-01T10-01-00.000.log"), lines(0, 100));
        byte[] cut = gzip(lines(200, 300));
        Files.write(in.resolve("tetragon-2026-11-01T10-09-00.000.log.gz"), java.util.Arrays.copyOf(cut, cut.length / 2));
        String tail = new String(lines(300, 320), StandardCharsets.UTF_8) + "{\"process_exec\":{\"process\":\n"
                + "not json\n" + new String(lines(320, 350), StandardCharsets.UTF_8);
        Files.writeString(in.resolve("pulled-off-node-7.json"), tail);
        return in;
    }

    private record Run(int code, String out) {
    }

    private static Run backfill(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = Backfill.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    }

    private Map<Integer, Integer> shippedPids(Path data) throws IOException {
        Map<Integer, Integer> count = new HashMap<>();
        for (String l : Files.readAllLines(data.resolve("out/events.ndjson"))) {
            count.merge(mapper.readTree(l).at("/process_exec/process/pid").asInt(), 1, Integer::sum);
        }
        return count;
    }

    @Test
    void aDirectoryOfMixedExportsIsShippedInOrderWithTheDamageDeadLetteredAndASecondRunShipsNothing()
            throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "backfill");
        Path in = exports(dir);
        Path data = dir.resolve("data");
        property("tetragon.data.dir", data.toString());
        property("tetragon.backfill.progress-interval", "1s");

        Run r = backfill(in.toString());
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("backfill 100.0%"), r.out());
        assertTrue(r.out().contains("==== tetragon-routes backfill ===="), r.out());
        List<Integer> order = new ArrayList<>();
        for (String l : Files.readAllLines(data.resolve("out/events.ndjson"))) {
            order.add(mapper.readTree(l).at("/process_exec/process/pid").asInt());
        }
        // every readable event once, oldest file first; of the cut gzip, what it holds before the cut
        assertEquals(order.stream().sorted().toList(), order, "in stamp order, the stamp-less file by its time");
        Map<Integer, Integer> shipped = shippedPids(data);
        for (int i = 0; i < 200; i++) {
            assertEquals(1, shipped.getOrDefault(i, 0), "event " + i);
        }
        for (int i = 300; i < 350; i++) {
            assertEquals(1, shipped.getOrDefault(i, 0), "event " + i);
        }
        assertTrue(shipped.values().stream().allMatch(c -> c == 1));
        List<JsonNode> dead = new ArrayList<>();
        for (String l : Files.readAllLines(data.resolve("dead-letter/dead-letter.ndjson"))) {
            dead.add(mapper.readTree(l));
        }
        assertTrue(dead.stream().anyMatch(d -> d.path("reason").asText().equals("lost_file")
                && d.path("file").asText().endsWith("tetragon-2026-11-01T10-09-00.000.log.gz")), dead.toString());
        assertEquals(2, dead.stream().filter(d -> d.path("file").asText().endsWith("pulled-off-node-7.json")
                && d.path("offset").asLong() > 0).count(), dead.toString());
        // the alert of the old sudo is marked as a backfill's
        JsonNode alert = mapper.readTree(Files.readAllLines(data.resolve("out/alerts.ndjson")).get(0));
        assertTrue(alert.path("rule").path("backfill").isTextual(), alert.toString());

        long before = Files.size(data.resolve("out/events.ndjson"));
        Run again = backfill(in.toString());
        assertEquals(0, again.code(), again.out());
        assertTrue(again.out().contains("nothing to do"), again.out());
        assertEquals(before, Files.size(data.resolve("out/events.ndjson")), "the second run shipped nothing");
    }

    @Test
    void aBackfillStoppedByARefusingSinkContinuesWhereItStopped() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "backfill");
        Path in = exports(dir);
        Path data = dir.resolve("data");
        property("tetragon.data.dir", data.toString());
        property("tetragon.export.batch-size", "10");
        property("tetragon.backfill.stall-timeout", "10s"); // the webhook client tries 5 times before the route retries it
        property("tetragon.sink.retry.max-delay-ms", "500");
        try (WebhookReceiver hook = WebhookReceiver.http()) {
            property("tetragon.sink.webhook.url", hook.url("/alerts"));
            hook.failFor(Duration.ofMinutes(5), 503); // the old sudo's alert is refused: the backfill cannot finish
            Run r = backfill("--alerts", in.toString());
            assertEquals(1, r.code(), r.out());
            assertTrue(r.out().contains("sinks retrying: {webhook/alerts="), r.out());
            Map<Integer, Integer> first = shippedPids(data);
            assertTrue(first.size() >= 100 && first.size() < 330, "stopped part way: " + first.size());
            hook.reset();
            Run rest = backfill("--alerts", in.toString());
            assertEquals(0, rest.code(), rest.out());
            assertTrue(rest.out().contains("continuing at file"), rest.out());
            Map<Integer, Integer> all = shippedPids(data);
            for (int i = 0; i < 200; i++) {
                assertTrue(all.getOrDefault(i, 0) >= 1, "event " + i);
            }
            // only the batch that was being retried when it stopped is shipped twice
            assertTrue(all.values().stream().filter(c -> c > 1).count() <= 10, all.toString());
            assertTrue(hook.requests().stream().anyMatch(q -> q.status() == 200 && q.text().contains("sudo")));
        }
    }

    @Test
    void aFileThatCannotBeOpenedIsRefusedBeforeAnythingIsShipped() {
        Run r = backfill("target/no-such-export.log");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("cannot open target/no-such-export.log: no such file or directory"), r.out());
    }
}
