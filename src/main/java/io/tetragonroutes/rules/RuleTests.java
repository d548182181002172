package io.tetragonroutes.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.tail.LineBatch;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Unit tests for rules, kept in the rules files beside the rules ({@code tests:}): each an event (inline JSON or
 * mapping, or {@code event_file:} relative to the file) and the rule ids expected to fire ({@code fires}) or not
 * ({@code not_fires}). {@code check} runs them against every rule loaded; nothing is sent anywhere.
 */
public final class RuleTests {

    private static final Set<String> KEYS = Set.of("name", "event", "event_file", "fires", "not_fires");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One test, where it is written ({@code file:line}). */
    public record Case(String source, String name, byte[] event, List<String> fires, List<String> notFires) {
    }

    /** A failed test and why; {@code fired} is what the rules said. */
    public record Failure(Case test, List<String> fired, String why) {
        @Override
        public String toString() {
            return test.source() + ": test '" + test.name() + "': " + why + " (fired: " + fired + ")";
        }
    }

    private RuleTests() {
    }

    /** The tests of every rules file; a malformed test throws {@link RulesException} with its file and line. */
    public static List<Case> load(List<Path> files) {
        List<Case> out = new ArrayList<>();
        for (Path f : files) {
            Node root = RuleLoader.compose(f.toString(), RuleLoader.read(f));
            if (!(root instanceof MappingNode m)) {
                continue;
            }
            Node tests = RuleLoader.map(f.toString(), null, m).get("tests");
            if (tests == null) {
                continue;
            }
            if (!(tests instanceof SequenceNode seq)) {
                throw new RulesException(RuleLoader.at(f.toString(), tests) + ": 'tests' must be a list of tests");
            }
            for (Node n : seq.getValue()) {
                out.add(test(f, n));
            }
        }
        return out;
    }

    private static Case test(Path file, Node n) {
        String name = file.toString();
        if (!(n instanceof MappingNode m)) {
            throw new RulesException(RuleLoader.at(name, n) + ": a test is a mapping with name, event, fires, not_fires");
        }
        Map<String, Node> keys = RuleLoader.map(name, null, m);
        for (Map.Entry<String, Node> k : keys.entrySet()) {
            if (!KEYS.contains(k.getKey())) {
                throw new RulesException(RuleLoader.at(name, k.getValue()) + ": test: unknown key '" + k.getKey()
                        + "'; known: name, event, event_file, fires, not_fires");
            }
        }
        String source = RuleLoader.at(name, n);
        String title = keys.containsKey("name") ? RuleLoader.scalar(name, null, keys.get("name")) : source;
        byte[] event;
        if (keys.containsKey("event") == keys.containsKey("event_file")) {
            throw new RulesException(source + ": test '" + title + "': give either event or event_file");
        } else if (keys.containsKey("event")) {
            Node e = keys.get("event");
            try {
                event = e instanceof ScalarNode s ? s.getValue().strip().getBytes(StandardCharsets.UTF_8)
                        : MAPPER.writeValueAsBytes(json(e));
            } catch (IOException ex) {
                throw new RulesException(source + ": test '" + title + "': " + ex.getMessage(), ex);
            }
        } else {
            Path p = file.toAbsolutePath().getParent().resolve(RuleLoader.scalar(name, null, keys.get("event_file")));
            try {
                event = Files.readString(p, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
            } catch (IOException ex) {
                throw new RulesException(source + ": test '" + title + "': cannot read event_file " + p);
            }
        }
        List<String> fires = ids(name, keys.get("fires"));
        List<String> notFires = ids(name, keys.get("not_fires"));
        if (fires.isEmpty() && notFires.isEmpty()) {
            throw new RulesException(source + ": test '" + title + "': say which rules fire or not (fires, not_fires)");
        }
        return new Case(source, title, event, fires, notFires);
    }

    private static List<String> ids(String file, Node n) {
        List<String> out = new ArrayList<>();
        if (n instanceof SequenceNode s) {
            for (Node x : s.getValue()) {
                out.add(RuleLoader.scalar(file, null, x));
            }
        } else if (n != null) {
            out.add(RuleLoader.scalar(file, null, n));
        }
        return out;
    }

    /** A YAML node (JSON is YAML) as JSON, with the core schema's types. */
    private static JsonNode json(Node n) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (n instanceof MappingNode m) {
            ObjectNode o = f.objectNode();
            for (NodeTuple t : m.getValue()) {
                o.set(((ScalarNode) t.getKeyNode()).getValue(), json(t.getValueNode()));
            }
            return o;
        }
        if (n instanceof SequenceNode s) {
            ArrayNode a = f.arrayNode();
            s.getValue().forEach(x -> a.add(json(x)));
            return a;
        }
        ScalarNode s = (ScalarNode) n;
        Tag tag = s.getTag();
        if (Tag.INT.equals(tag)) {
            return f.numberNode(new java.math.BigInteger(s.getValue()));
        } else if (Tag.FLOAT.equals(tag)) {
            return f.numberNode(new java.math.BigDecimal(s.getValue()));
        } else if (Tag.BOOL.equals(tag)) {
            return f.booleanNode(Boolean.parseBoolean(s.getValue()));
        } else if (Tag.NULL.equals(tag)) {
            return f.nullNode();
        }
        return f.textNode(s.getValue());
    }

    /** Runs the tests against {@code rules}; the failures, empty when all pass. */
    public static List<Failure> run(List<Case> tests, RuleSet rules) {
        EventParser parser = new EventParser(MAPPER, new SimpleMeterRegistry());
        List<Failure> failures = new ArrayList<>();
        Set<String> known = new java.util.HashSet<>();
        rules.rules().forEach(r -> known.add(r.id()));
        for (Case t : tests) {
            LineBatch.Builder b = LineBatch.builder(1);
            b.add(t.event(), 0, t.event().length, t.source(), 0);
            EventBatch batch = parser.parse(b.build());
            if (batch.list().isEmpty()) {
                DeadLetter d = batch.getDeadLetters().isEmpty() ? null : batch.getDeadLetters().get(0);
                failures.add(new Failure(t, List.of(), "the event is not a Tetragon event: "
                        + (d == null ? "empty" : d.reason() + ", " + d.detail())));
                continue;
            }
            List<String> fired = rules.matchingIds(batch.list().get(0));
            for (String id : t.fires()) {
                if (!known.contains(id)) {
                    failures.add(new Failure(t, fired, "no rule '" + id + "' is loaded"));
                } else if (!fired.contains(id)) {
                    failures.add(new Failure(t, fired, "expected '" + id + "' to fire"));
                }
            }
            for (String id : t.notFires()) {
                if (!known.contains(id)) {
                    failures.add(new Failure(t, fired, "no rule '" + id + "' is loaded"));
                } else if (fired.contains(id)) {
                    failures.add(new Failure(t, fired, "expected '" + id + "' not to fire"));
                }
            }
        }
        return failures;
    }
}
