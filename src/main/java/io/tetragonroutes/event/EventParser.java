package io.tetragonroutes.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.tail.Line;
import io.tetragonroutes.tail.LineBatch;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link LineBatch} in, {@link EventBatch} out. Each line is read once by a streaming parser that validates all of it
 * but builds a tree only of the fields the hot path reads ({@link FieldDemand}); the full tree is built later only
 * for an event a step asks it of (ECS mapping, flattening, alerts). A line that is not one JSON object becomes a
 * {@link DeadLetter} with the reason, and the batch goes on.
 */
public final class EventParser implements Processor {

    private final ObjectReader reader;
    private final JsonFactory factory;
    private final MeterRegistry registry;
    private final Map<EventType, Counter> parsed = new EnumMap<>(EventType.class);
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Counter blank;

    public EventParser(ObjectMapper mapper, MeterRegistry registry) {
        // Trailing garbage after the object ("{...} xyz") is a bad line, not a good event.
        this.reader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.factory = mapper.getFactory();
        this.registry = registry;
        for (EventType t : EventType.values()) {
            parsed.put(t, registry.counter("tetragon.events.parsed", "type", t.key()));
        }
        this.blank = registry.counter("tetragon.lines.blank");
        // the parser's own reasons, registered at start (zero until they count); sinks add theirs when they refuse
        for (String r : new String[] {"malformed_json", "truncated_json", "invalid_utf8", "not_an_object",
                "line_too_long", "unterminated_line", "lost_file"}) {
            deadLetters.computeIfAbsent(r, x -> registry.counter("tetragon.dead.letters", "reason", x));
        }
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        LineBatch lines = exchange.getMessage().getMandatoryBody(LineBatch.class);
        exchange.getMessage().setBody(parse(lines, exchange.getContext()));
    }

    /** {@link #parse(LineBatch)} in a route: the batch's {@code getEvents()} are Camel messages of {@code camel}. */
    public EventBatch parse(LineBatch lines, org.apache.camel.CamelContext camel) {
        List<TetragonEvent> events = new ArrayList<>(lines.size());
        List<DeadLetter> bad = new ArrayList<>(0);
        for (Line line : lines.lines()) {
            switch (line.status()) {
                case TOO_LONG -> bad.add(deadLetter(line, "line_too_long", "line of " + line.len()
                        + " bytes exceeds tetragon.export.max-line-bytes; the whole line is in the spill file"));
                case LOST -> bad.add(deadLetter(line, "lost_file", "the file was deleted or truncated before it "
                        + "was read to the end: whatever followed this offset in it is lost"));
                case UNTERMINATED, OK -> parseLine(line, events, bad);
            }
        }
        return new EventBatch(events, bad, camel);
    }

    public EventBatch parse(LineBatch lines) {
        return parse(lines, null);
    }

    private void parseLine(Line line, List<TetragonEvent> events, List<DeadLetter> bad) {
        if (isBlank(line)) {
            blank.increment();
            return;
        }
        try (JsonParser p = factory.createParser(line.buf(), line.off(), line.len())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                notAnObject(line, bad);
                return;
            }
            TetragonEvent e = TreeView.read(p, FieldDemand.current(), line, reader);
            JsonToken after = p.nextToken();
            if (after != null) {
                throw new JsonParseException(p, "Trailing token (of type " + after + ") found after value");
            }
            parsed.get(e.type()).increment();
            events.add(e);
        } catch (JsonProcessingException e) {
            bad.add(deadLetter(line, reason(line, e), describe(e)));
        } catch (IOException e) {
            bad.add(deadLetter(line, "malformed_json", e.toString()));
        }
    }

    /** Rare: the line is valid JSON or not, but not an object. The full reader says which. */
    private void notAnObject(Line line, List<DeadLetter> bad) {
        try {
            JsonNode tree = reader.readTree(line.buf(), line.off(), line.len());
            bad.add(deadLetter(line, "not_an_object", "a Tetragon export line is one JSON object, this is "
                    + (tree == null ? "empty" : tree.getNodeType().toString().toLowerCase())));
        } catch (JsonProcessingException e) {
            bad.add(deadLetter(line, reason(line, e), describe(e)));
        } catch (IOException e) {
            bad.add(deadLetter(line, "malformed_json", e.toString()));
        }
    }

    private static String reason(Line line, JsonProcessingException e) {
        String msg = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (msg.startsWith("Invalid UTF-8")) {
            return "invalid_utf8";
        }
        boolean cut = e instanceof JsonEOFException || msg.startsWith("Unexpected end-of-input");
        if (cut) {
            return line.status() == Line.Status.UNTERMINATED ? "unterminated_line" : "truncated_json";
        }
        return "malformed_json";
    }

    private DeadLetter deadLetter(Line line, String reason, String detail) {
        deadLetters.computeIfAbsent(reason, r -> registry.counter("tetragon.dead.letters", "reason", r)).increment();
        byte[] bytes = line.status() == Line.Status.TOO_LONG || line.status() == Line.Status.LOST ? null
                : Arrays.copyOfRange(line.buf(), line.off(), line.off() + line.len());
        return new DeadLetter(reason, detail, line.file(), line.offset(), line.len(), bytes,
                line.spill() == null ? null : line.spill().toString(), Instant.now());
    }

    private static String describe(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        if (msg != null && msg.length() > 300) {
            msg = msg.substring(0, 300) + "...";
        }
        return e.getLocation() == null ? msg : msg + " (byte " + e.getLocation().getByteOffset() + ")";
    }

    private static boolean isBlank(Line line) {
        byte[] b = line.buf();
        for (int i = line.off(), end = line.off() + line.len(); i < end; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return false;
            }
        }
        return true;
    }
}
