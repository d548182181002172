package io.tetragonroutes.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.event.TetragonEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** Test helpers: real sample lines (optionally with a few fields changed) as parsed events, and rule loading. */
final class Events {

    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final EventParser PARSER = new EventParser(MAPPER, new SimpleMeterRegistry());

    /** What application.properties sets for the placeholders the default pack uses. */
    static final Map<String, String> PROPERTIES = Map.of("tetragon.rules.internal-cidrs",
            "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,127.0.0.0/8,169.254.0.0/16,::1/128,fc00::/7,fe80::/10");

    private Events() {
    }

    static EventBatch batch(List<String> lines) {
        EventBatch batch = PARSER.parse(Samples.batch("test", lines));
        if (!batch.getDeadLetters().isEmpty()) {
            throw new IllegalArgumentException("not an event: " + batch.getDeadLetters());
        }
        return batch;
    }

    static TetragonEvent event(String line) {
        return batch(List.of(line)).list().get(0);
    }

    /** Line {@code index} (0-based) of a sample file. */
    static String sample(String file, int index) {
        return Samples.lines("events/" + file).get(index);
    }

    /** The first line of a sample file that satisfies {@code which}. */
    static String sample(String file, java.util.function.Predicate<JsonNode> which) {
        for (String l : Samples.lines("events/" + file)) {
            try {
                if (which.test(MAPPER.readTree(l))) {
                    return l;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalArgumentException("no sample in " + file + " fits");
    }

    /** A sample with only the fields a rule reads changed. */
    static String derive(String line, Consumer<ObjectNode> change) {
        try {
            ObjectNode n = (ObjectNode) MAPPER.readTree(line);
            change.accept(n);
            return MAPPER.writeValueAsString(n);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static RuleLoader loader() {
        return new RuleLoader(k -> Optional.ofNullable(PROPERTIES.get(k)), null, Duration.ofSeconds(60));
    }

    static List<String> ids(TetragonEvent e) {
        List<String> out = new ArrayList<>();
        e.extras().path("rule").path("ids").forEach(n -> out.add(n.asText()));
        return out;
    }
}
