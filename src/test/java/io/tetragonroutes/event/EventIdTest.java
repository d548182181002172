package io.tetragonroutes.event;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stable event id: MurmurHash3 x64 128 of the raw line, whatever was added to the event. */
class EventIdTest {

    private static String hex(String id) {
        return HexFormat.of().formatHex(Base64.getUrlDecoder().decode(id));
    }

    private static String id(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return EventId.of(b, 0, b.length);
    }

    @Test
    void theReferenceVectors() {
        // MurmurHash3_x64_128, seed 0: h1 and h2 little-endian, as the reference implementation writes them
        assertEquals("00000000000000000000000000000000", hex(id("")));
        assertEquals("6c1b07bc7bbc4be347939ac4a93c437a", hex(id("The quick brown fox jumps over the lazy dog")));
    }

    @Test
    void everyTailLengthAndEveryByteCounts() {
        Set<String> ids = new HashSet<>();
        StringBuilder s = new StringBuilder();
        for (int len = 0; len < 48; len++) { // every tail length (0-15) of several block counts
            String id = id(s.toString());
            assertEquals(22, id.length());
            assertTrue(id.matches("[A-Za-z0-9_-]{22}"), id);
            assertTrue(ids.add(id), "a new id at length " + len);
            assertNotEquals(id, id(s.toString().replace('a', 'b') + (s.length() == 0 ? "x" : "")));
            s.append('a');
        }
    }

    @Test
    void theSameLineAnywhereHasTheSameIdWhateverWasAdded() {
        String line = Samples.lines("events/process_exec.jsonl").get(0);
        byte[] padded = ("xx" + line + "yy").getBytes(StandardCharsets.UTF_8);
        assertEquals(id(line), EventId.of(padded, 2, padded.length - 4));
        EventParser parser = new EventParser(new com.fasterxml.jackson.databind.ObjectMapper(), new SimpleMeterRegistry());
        TetragonEvent e = parser.parse(Samples.batch("a", List.of(line))).list().get(0);
        String before = e.id();
        e.extras().putObject("kubernetes").put("node", "n");
        e.extras().putObject("rule").putArray("ids").add("r");
        assertEquals(before, e.id());
        assertEquals(id(line), before);
        TetragonEvent again = parser.parse(Samples.batch("other-file", List.of(line))).list().get(0);
        assertEquals(before, again.id(), "another file, another offset: the same line");
    }
}
