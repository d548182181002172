package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The file sink's rotation as the shipped routes configure it ({@code tetragon.sink.file.max-size-mb} and
 * {@code max-backups}): the files kept are whole batches, within the size, and together the newest events in order.
 */
@Timeout(120)
class FileSinkRotationTest extends KitRoutesTestSupport {

    @Override
    protected void properties(Properties p) {
        p.put("tetragon.sink.file.max-size-mb", "1");
        p.put("tetragon.sink.file.max-backups", "2");
    }

    @Test
    void theEventsFileRotatesAtItsSizeAndKeepsTheNewestEventsInOrder() throws Exception {
        List<String> samples = Samples.lines("events/process_exec.jsonl", "events/process_kprobe.jsonl",
                "events/process_exit.jsonl");
        List<String> written = new ArrayList<>();
        long bytes = 0;
        while (bytes < 5L << 20) { // five times the maximum: three files kept, the older ones deleted
            for (String s : samples) {
                written.add(s);
                bytes += s.length() + 1;
            }
        }
        Files.createDirectories(export.getParent());
        Files.write(export, (String.join("\n", written) + "\n").getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(60)).until(() -> committedOffset() == Files.size(export));

        Path events = data.resolve("out/events.ndjson");
        Path first = data.resolve("out/events.ndjson.1");
        Path second = data.resolve("out/events.ndjson.2");
        assertFalse(Files.exists(data.resolve("out/events.ndjson.3")), "two backups kept");
        List<String> kept = new ArrayList<>();
        for (Path p : List.of(second, first, events)) {
            assertTrue(Files.size(p) <= 1 << 20, p + " is within 1 MB: " + Files.size(p));
            byte[] b = Files.readAllBytes(p);
            assertEquals('\n', b[b.length - 1], p + " ends with a whole line");
            kept.addAll(Files.readAllLines(p));
        }
        assertEquals(written.size(), (long) registry.counter("tetragon.sink.events", "sink", "file", "output", "all")
                .count(), "every event was written, including those rotated away since");
        assertTrue(kept.size() > written.size() / 5, "about three fifths are kept: " + kept.size());
        assertTrue(kept.size() < written.size(), "the oldest were deleted: " + kept.size());
        // the files kept are the newest events, in the order written, with nothing missing between files
        List<String> newest = written.subList(written.size() - kept.size(), written.size());
        for (int i = 0; i < kept.size(); i++) {
            JsonNode shipped = mapper.readTree(kept.get(i));
            ((ObjectNode) shipped).remove("rule");
            assertEquals(mapper.readTree(newest.get(i)), shipped, "kept line " + i);
        }
    }
}
