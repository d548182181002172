package io.tetragonroutes.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.tail.LineBatch;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scanning parser against Jackson's own, line by line: the same events with the same partial trees, and the
 * same dead letters with the same reasons, messages and byte offsets, for the real samples and for many thousands
 * of lines broken on purpose.
 */
class LineJsonFactoryTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final EventParser scanning = new EventParser(mapper, new SimpleMeterRegistry(), new LineJsonFactory());
    private final EventParser jackson = new EventParser(mapper, new SimpleMeterRegistry(), new JsonFactory());

    @Test
    void everySampleLineGivesTheSameEventAsWithJacksonsParser() {
        int events = 0;
        for (Path file : Samples.lineFiles()) {
            List<byte[]> lines = Samples.lines(file).stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList();
            events += compare(lines);
        }
        assertTrue(events > 50, "the samples hold events: " + events);
    }

    @Test
    void linesBrokenAtRandomAreTakenOrRefusedExactlyAsJacksonDoes() {
        List<byte[]> seeds = new ArrayList<>();
        for (Path file : Samples.lineFiles()) {
            Samples.lines(file).forEach(l -> seeds.add(l.getBytes(StandardCharsets.UTF_8)));
        }
        seeds.addAll(edgeCases());
        Random random = new Random(20261123);
        byte[] alphabet = "{}[]\",:\\/ \t\r0123456789-+.eEtrufalsn".getBytes(StandardCharsets.ISO_8859_1);
        List<byte[]> broken = new ArrayList<>();
        for (int n = 0; n < 30_000; n++) {
            byte[] line = seeds.get(random.nextInt(seeds.size()));
            int at = 1 + random.nextInt(line.length - 1);
            int op = random.nextInt(5);
            byte any = random.nextInt(3) == 0 ? (byte) random.nextInt(256) : alphabet[random.nextInt(alphabet.length)];
            broken.add(switch (op) {
                case 0 -> concat(Arrays.copyOf(line, at), Arrays.copyOfRange(line, at + 1, line.length)); // delete
                case 1 -> concat(Arrays.copyOf(line, at), new byte[]{any}, Arrays.copyOfRange(line, at, line.length));
                case 2 -> { // replace
                    byte[] c = line.clone();
                    c[at] = any;
                    yield c;
                }
                case 3 -> Arrays.copyOf(line, at); // cut short
                default -> { // a slice repeated
                    int len = Math.min(1 + random.nextInt(8), line.length - at);
                    yield concat(Arrays.copyOf(line, at + len), Arrays.copyOfRange(line, at, line.length));
                }
            });
        }
        int events = compare(broken);
        // both outcomes are exercised: some damage lands where JSON still holds, most does not
        assertTrue(events > 1_000 && events < 29_000, "events: " + events);
    }

    @Test
    void limitsAndTheEdgesOfTheGrammarMatchJackson() {
        List<byte[]> lines = edgeCases();
        int events = compare(lines);
        assertTrue(events > 10 && events < lines.size(), "events: " + events + " of " + lines.size());
    }

    @Test
    void theScannerSkipsAValueAndJacksonCarriesOnRightAfterIt() throws Exception {
        byte[] line = ("{\"a\":{\"x\":[1,{\"y\":\"\u00e9\\n\"},[]],\"z\":{}},\"b\":[true,null],\"c\":2}")
                .getBytes(StandardCharsets.UTF_8);
        try (JsonParser p = new LineJsonFactory().createParser(line, 0, line.length)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            assertEquals("a", p.nextFieldName());
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            p.skipChildren();
            assertEquals(JsonToken.END_OBJECT, p.currentToken());
            assertEquals("b", p.nextFieldName(), "the next member, in the right object");
            assertEquals(JsonToken.START_ARRAY, p.nextToken());
            p.skipChildren();
            assertEquals(JsonToken.END_ARRAY, p.currentToken());
            assertEquals("c", p.nextFieldName());
            assertEquals(JsonToken.VALUE_NUMBER_INT, p.nextToken());
            assertEquals(2, p.getIntValue());
            assertEquals(JsonToken.END_OBJECT, p.nextToken());
            assertNull(p.nextToken());
            assertEquals(2, ((LineJsonFactory.Parser) p).scanned(), "both values were scanned, not tokenized");
        }
    }

    @Test
    void aValueTheScannerDoesNotLikeIsLeftToJackson() throws Exception {
        byte[] line = "{\"a\":{\"x\":01},\"b\":1}".getBytes(StandardCharsets.UTF_8);
        try (JsonParser p = new LineJsonFactory().createParser(line, 0, line.length)) {
            p.nextToken();
            p.nextFieldName();
            p.nextToken();
            var e = assertThrows(JsonParseException.class, p::skipChildren);
            assertTrue(e.getOriginalMessage().contains("Leading zeroes not allowed"), e.getOriginalMessage());
            assertEquals(0, ((LineJsonFactory.Parser) p).scanned());
        }
    }

    /** Values placed where the pipeline skips them (the parent, an unknown member), valid and not. */
    private static List<byte[]> edgeCases() {
        List<byte[]> values = new ArrayList<>();
        for (String v : List.of(
                "{}", "[]", "[[],{}]", "{\"a\":[1,-0,0.5,-1.25e+10,1E-3,true,false,null,\"\"]}",
                "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"}", "{\"u\":\"é€\uD83D\uDE00\"}",
                "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":+1}", "{\"a\":tru}",
                "{\"a\":nul}", "{\"a\":truex}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12G4\"}", "{\"a\":\"tab\there\"}",
                "{\"a\":1,}", "[1,]", "[,1]", "{\"a\" 1}", "{a:1}", "{'a':1}", "{\"a\":1 \"b\":2}", "[1 2]",
                "{\"a\":NaN}", "{\"a\":[1}", "{\"a\":{]}", "/*c*/{}", "{\"a\":1}//", "{\"\u0001\":1}",
                " { \"a\" : [ 1 , 2 ] } ", "{\"a\":\"\\u00",
                "[".repeat(990) + "]".repeat(990), // inside the default nesting limit (1000), with the line's own
                "[".repeat(1200) + "]".repeat(1200), // beyond it
                "{\"n\":" + "9".repeat(1000) + "}", "{\"n\":" + "9".repeat(1001) + "}",
                "{\"n\":1." + "5".repeat(1200) + "}", "{\"" + "k".repeat(60_000) + "\":1}")) {
            values.add(v.getBytes(StandardCharsets.UTF_8));
        }
        // raw bytes in a string: a stray continuation byte, a cut sequence, bad lead bytes, a control character
        for (int[] raw : new int[][]{{0x80}, {0xC3, '"'}, {0xE2, 0x82}, {0xF8, 0x88}, {0xFF}, {0xC3, 0xA9}, {0x01},
                {0xF0, 0x9F, 0x98, 0x80}, {0xF0, 0x9F, 0x98}, {0x7F}}) {
            byte[] v = new byte[raw.length + 9];
            byte[] open = "[\"ab".getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(open, 0, v, 0, open.length);
            for (int k = 0; k < raw.length; k++) {
                v[open.length + k] = (byte) raw[k];
            }
            byte[] close = "cd\"]".getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(close, 0, v, open.length + raw.length, close.length);
            values.add(v);
        }
        List<byte[]> lines = new ArrayList<>();
        for (byte[] v : values) {
            lines.add(concat(("{\"process_exec\":{\"process\":{\"binary\":\"/bin/sh\",\"pod\":{\"namespace\":\"ns\"}},"
                    + "\"parent\":").getBytes(StandardCharsets.UTF_8), v,
                    "},\"node_name\":\"node-1\",\"time\":\"2026-11-23T10:00:00Z\"}".getBytes(StandardCharsets.UTF_8)));
            lines.add(concat("{\"process_kprobe\":{\"process\":{\"binary\":\"/bin/cat\"},\"args\":[]},\"extra\":"
                    .getBytes(StandardCharsets.UTF_8), v, ",\"node_name\":\"node-1\"}".getBytes(StandardCharsets.UTF_8)));
        }
        return lines;
    }

    /** Parses every line alone with both parsers and checks they agree; returns how many were events. */
    private int compare(List<byte[]> lines) {
        int events = 0;
        for (byte[] line : lines) {
            LineBatch.Builder b = LineBatch.builder();
            b.add(line, 0, line.length, "/var/log/tetragon/tetragon.log", 0);
            LineBatch batch = b.build();
            EventBatch a = scanning.parse(batch);
            EventBatch j = jackson.parse(batch);
            String what = new String(line, StandardCharsets.UTF_8);
            what = what.length() > 300 ? what.substring(0, 300) + "..." : what;
            assertEquals(j.getEvents().size(), a.getEvents().size(), "taken or not: " + what);
            assertEquals(j.getDeadLetters().size(), a.getDeadLetters().size(), what);
            if (!j.getEvents().isEmpty()) {
                TetragonEvent x = a.getEvents().get(0);
                TetragonEvent y = j.getEvents().get(0);
                assertEquals(y.typeKey(), x.typeKey(), what);
                assertEquals(y.tree(0), x.tree(0), "the partial tree: " + what);
                events++;
            } else if (!j.getDeadLetters().isEmpty()) {
                DeadLetter x = a.getDeadLetters().get(0);
                DeadLetter y = j.getDeadLetters().get(0);
                assertEquals(y.reason(), x.reason(), what);
                assertEquals(y.detail(), x.detail(), "Jackson's message and byte offset: " + what);
            }
        }
        return events;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
