package io.tetragonroutes.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.TetragonEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static io.tetragonroutes.rules.Events.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The value index of {@link RuleSet}: an event is tested only against the rules whose exact values, prefixes or
 * suffixes its fields meet, and that never changes which rules match.
 */
class RuleIndexTest {

    @Test
    void anEventIsTestedOnlyAgainstTheRulesWhoseValuesItHas() {
        StringBuilder yaml = new StringBuilder("rules:\n");
        for (int i = 0; i < 100; i++) {
            yaml.append("""
                      - id: ns-%1$d
                        match:
                          all:
                            - {type: process_exec}
                            - {field: process_exec.process.pod.namespace, in: [team-%1$d, prod-%1$d]}
                            - {field: process_exec.process.binary, regex: "sh$"}
                    """.formatted(i));
        }
        yaml.append("""
                  - id: usr-prefix
                    match: {field: "*.process.binary", prefix: [/usr/]}
                  - id: usr-bin-prefix
                    match: {field: "*.process.binary", prefix: /usr/bin/}
                  - id: empty-prefix
                    match: {field: "*.process.binary", prefix: ""}
                  - id: sh-suffix
                    match: {field: "*.process.binary", suffix: [sh, /nope]}
                  - id: label-or-cwd
                    match:
                      any:
                        - {field: "*.process.pod.pod_labels.app", equals: team-7-app}
                        - {field: "*.process.cwd", prefix: /srv/team-7/}
                  - id: numeric
                    match: {field: "*.process.uid", equals: 0}
                  - id: ignore-case
                    match: {field: "*.process.binary", suffix: /BASH, ignore_case: true}
                """);
        RuleSet set = new RuleSet(Events.loader().parse("r.yaml", yaml.toString()));
        TetragonEvent e = Events.event(Events.derive(sample("process_exec.jsonl", n -> n.at("/process_exec/process/pod").isObject()), n -> {
            var process = (com.fasterxml.jackson.databind.node.ObjectNode) n.at("/process_exec/process");
            process.put("binary", "/usr/bin/bash").put("cwd", "/srv/team-7/app").put("uid", 0);
            ((com.fasterxml.jackson.databind.node.ObjectNode) process.get("pod")).put("namespace", "prod-42");
        }));
        assertEquals(107, set.candidates(e).length);
        // ns-42 by its namespace; the keyed rules whose value the event has; the rules that cannot be keyed
        assertEquals(List.of("ns-42", "usr-prefix", "usr-bin-prefix", "empty-prefix", "sh-suffix", "label-or-cwd",
                "numeric", "ignore-case"), ids(set.tested(e)));
        assertEquals(List.of("ns-42", "usr-prefix", "usr-bin-prefix", "empty-prefix", "sh-suffix", "label-or-cwd",
                "numeric", "ignore-case"), matching(set.rules(), e));
    }

    /**
     * Rules keyed on the samples' own values (exact, prefix, suffix, in all/any/not), and rules on values they
     * lack: on every sample, the rules that match among those tested are exactly the rules that match at all.
     */
    @Test
    void theIndexNeverChangesWhichRulesMatch() throws Exception {
        List<String> lines = new ArrayList<>();
        for (String file : List.of("process_exec.jsonl", "process_exit.jsonl", "process_kprobe.jsonl",
                "process_throttle.jsonl", "rate_limit_info.jsonl")) {
            lines.addAll(Samples.lines("events/" + file));
        }
        Set<String> binaries = new LinkedHashSet<>();
        Set<String> namespaces = new LinkedHashSet<>();
        for (String l : lines) {
            JsonNode n = Events.MAPPER.readTree(l);
            JsonNode process = n.elements().next().path("process");
            if (process.hasNonNull("binary")) {
                binaries.add(process.get("binary").asText());
            }
            if (process.path("pod").hasNonNull("namespace")) {
                namespaces.add(process.path("pod").get("namespace").asText());
            }
        }
        StringBuilder yaml = new StringBuilder("rules:\n");
        int id = 0;
        for (String b : binaries) {
            String head = b.substring(0, Math.min(b.length(), 1 + id % 9));
            String tail = b.substring(Math.max(0, b.length() - 1 - id % 7));
            yaml.append("  - id: r").append(id++).append("\n    match: {field: \"*.process.binary\", equals: \"")
                    .append(b).append("\"}\n");
            yaml.append("  - id: r").append(id++).append("\n    match: {field: \"*.process.binary\", prefix: \"")
                    .append(head).append("\"}\n");
            yaml.append("  - id: r").append(id++).append("\n    match: {field: \"*.process.binary\", suffix: [\"")
                    .append(tail).append("\", /never]}\n");
            yaml.append("  - id: r").append(id++).append("\n    match:\n      all:\n")
                    .append("        - {field: \"*.process.binary\", in: [\"").append(b).append("\", x]}\n")
                    .append("        - not: {field: \"*.process.pod.namespace\", in: [").append(String.join(", ", namespaces))
                    .append("]}\n");
            yaml.append("  - id: r").append(id++).append("\n    match:\n      any:\n")
                    .append("        - {field: \"*.process.binary\", suffix: \"").append(tail).append("\"}\n")
                    .append("        - {field: \"*.process.pod.namespace\", equals: unknown-ns}\n");
        }
        for (String ns : namespaces) {
            yaml.append("  - id: r").append(id++).append("\n    match: {field: \"*.process.pod.namespace\", in: [")
                    .append(ns).append("]}\n");
        }
        yaml.append("  - id: r").append(id++).append("\n    match: {field: \"process_kprobe.args[*].file_arg.path\", prefix: /etc/}\n");
        yaml.append("  - id: r").append(id++).append("\n    match: {field: \"process_kprobe.args[*].int_arg\", in: [0, 1]}\n");
        yaml.append("  - id: r").append(id++).append("\n    match: {type: [process_exit, process_exec]}\n");
        RuleSet set = new RuleSet(Events.loader().parse("r.yaml", yaml.toString()));
        Path pack = Path.of("routes/rules/default.yaml");
        RuleSet defaults = new RuleSet(Events.loader().parse(pack.toString(), Files.readString(pack)));

        int tested = 0;
        int candidates = 0;
        int matched = 0;
        for (String l : lines) {
            TetragonEvent e = Events.event(l);
            for (RuleSet s : List.of(set, defaults)) {
                List<String> all = matching(s.rules(), e);
                assertEquals(all, matching(Arrays.asList(s.tested(e)), e), l);
                tested += s.tested(e).length;
                candidates += s.candidates(e).length;
                matched += all.size();
            }
        }
        assertTrue(matched > lines.size(), "the rules match the samples: " + matched);
        assertTrue(tested < candidates / 4, "the index leaves most rules untested: " + tested + " of " + candidates);
    }

    private static List<String> matching(List<Rule> rules, TetragonEvent e) {
        return rules.stream().filter(r -> r.match().test(e)).map(Rule::id).toList();
    }

    private static List<String> ids(Rule[] rules) {
        return Arrays.stream(rules).map(Rule::id).toList();
    }
}
