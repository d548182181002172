package io.tetragonroutes.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.tail.LineBatch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The NDJSON stream reads from a buffer its thread reuses: no batch may ever read another batch's bytes. */
class NdjsonFormatterTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final EventParser parser = new EventParser(mapper, new SimpleMeterRegistry());
    private final NdjsonFormatter ndjson = new NdjsonFormatter(mapper);

    private static List<String> lines(String tag, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("{\"process_exec\":{\"process\":{\"exec_id\":\"" + tag + "-" + i + "\",\"pid\":" + (100 + i)
                    + ",\"binary\":\"/usr/bin/" + tag + "\",\"arguments\":\"" + "x".repeat(i % 300) + "\"}},"
                    + "\"node_name\":\"node-" + tag + "\",\"time\":\"2026-12-05T04:00:00.000000001Z\"}");
        }
        return out;
    }

    private EventBatch parse(List<String> lines) {
        LineBatch.Builder b = LineBatch.builder();
        long offset = 0;
        for (String l : lines) {
            byte[] bytes = l.getBytes(StandardCharsets.UTF_8);
            b.add(bytes, 0, bytes.length, "export", offset);
            offset += bytes.length + 1;
        }
        return parser.parse(b.build());
    }

    private static byte[] ndjsonOf(List<String> lines) {
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aStreamLeftUnreadKeepsItsBytesWhileTheNextBatchesAreFormatted() throws Exception {
        List<String> a = lines("a", 2000);
        List<String> b = lines("b", 1500);
        InputStream first = ndjson.stream(parse(a));
        InputStream second = ndjson.stream(parse(b));
        assertArrayEquals(ndjsonOf(b), second.readAllBytes());
        InputStream third = ndjson.stream(parse(a)); // may take the buffer the second stream gave back
        assertArrayEquals(ndjsonOf(a), first.readAllBytes());
        assertArrayEquals(ndjsonOf(a), third.readAllBytes());
    }

    @Test
    void aStreamReadToItsEndStaysThereWhenItsBufferIsReused() throws Exception {
        List<String> a = lines("a", 500);
        InputStream first = ndjson.stream(parse(a));
        byte[] chunk = new byte[7];
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int n; (n = first.read(chunk)) > 0; ) {
            got.write(chunk, 0, n);
        }
        assertArrayEquals(ndjsonOf(a), got.toByteArray());
        InputStream second = ndjson.stream(parse(lines("b", 800)));
        assertEquals(-1, first.read());
        assertEquals(-1, first.read(chunk, 0, chunk.length));
        assertEquals(0, first.available());
        assertArrayEquals(ndjsonOf(lines("b", 800)), second.readAllBytes());
    }

    @Test
    void byteByByteSkipAndTransferToReadTheSameBytes() throws Exception {
        List<String> a = lines("a", 300);
        byte[] expected = ndjsonOf(a);

        InputStream one = ndjson.stream(parse(a));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int c; (c = one.read()) >= 0; ) {
            got.write(c);
        }
        assertArrayEquals(expected, got.toByteArray());

        InputStream two = ndjson.stream(parse(a));
        assertEquals(expected.length, two.available());
        assertEquals(100, two.skip(100));
        got.reset();
        assertEquals(expected.length - 100, two.transferTo(got));
        assertArrayEquals(java.util.Arrays.copyOfRange(expected, 100, expected.length), got.toByteArray());

        InputStream closedEarly = ndjson.stream(parse(a));
        assertEquals('{', closedEarly.read());
        closedEarly.close();
        assertEquals(-1, closedEarly.read());
        assertArrayEquals(expected, ndjson.events(parse(a)));
    }
}
