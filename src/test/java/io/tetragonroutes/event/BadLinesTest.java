package io.tetragonroutes.event;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.tail.LineBatch;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class BadLinesTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EventParser parser = new EventParser(new ObjectMapper(), registry);

    @Test
    void eachKindOfBadLineIsDeadLetteredWithItsReasonAndTheGoodOnesPass() {
        String good = Samples.lines("events/process_exit.jsonl").get(0);
        byte[] invalidUtf8 = "{\"process_exec\":{\"process\":{\"binary\":\"/bin/\u00ffsh\"}}}"
                .getBytes(StandardCharsets.ISO_8859_1); // 0xFF alone is never valid UTF-8
        List<byte[]> lines = List.of(
                good.getBytes(StandardCharsets.UTF_8),
                good.substring(0, good.length() / 2).getBytes(StandardCharsets.UTF_8),
                "not json at all".getBytes(StandardCharsets.UTF_8),
                invalidUtf8,
                "[1,2,3]".getBytes(StandardCharsets.UTF_8),
                (good + " trailing").getBytes(StandardCharsets.UTF_8),
                "   ".getBytes(StandardCharsets.UTF_8),
                good.getBytes(StandardCharsets.UTF_8));
        LineBatch.Builder b = LineBatch.builder();
        long off = 0;
        for (byte[] l : lines) {
            b.add(l, 0, l.length, "/var/log/tetragon/tetragon.log", off);
            off += l.length + 1;
        }
        b.addLost("/var/log/tetragon/tetragon-2026-11-22T10-00-00.000.log", 4096);
        EventBatch out = parser.parse(b.build());

        assertEquals(2, out.size());
        List<String> reasons = out.getDeadLetters().stream().map(DeadLetter::reason).toList();
        assertEquals(List.of("truncated_json", "malformed_json", "invalid_utf8", "not_an_object", "malformed_json",
                "lost_file"), reasons);
        DeadLetter lost = out.getDeadLetters().get(5);
        assertEquals("/var/log/tetragon/tetragon-2026-11-22T10-00-00.000.log", lost.file());
        assertEquals(4096, lost.offset());
        DeadLetter utf = out.getDeadLetters().get(2);
        assertArrayEquals(invalidUtf8, utf.line(), "the original bytes are kept");
        assertEquals("/var/log/tetragon/tetragon.log", utf.file());
        long expectedOffset = lines.get(0).length + 1 + lines.get(1).length + 1 + lines.get(2).length + 1;
        assertEquals(expectedOffset, utf.offset());
        assertEquals(1.0, registry.counter("tetragon.dead.letters", "reason", "invalid_utf8").count());
        assertEquals(1.0, registry.counter("tetragon.lines.blank").count());
    }
}
