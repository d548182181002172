package io.tetragonroutes.rules;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.TetragonEvent;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static io.tetragonroutes.rules.Events.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rules files: what they may say, and the start-up errors (file:line, rule id, why) when they say it wrong. */
class RuleLoaderTest {

    private static String error(String yaml) {
        return assertThrows(RulesException.class, () -> Events.loader().parse("r.yaml", yaml)).getMessage();
    }

    private static Rule one(String condition) {
        return Events.loader().parse("r.yaml", """
                rules:
                  - id: t
                    match:
                %s
                """.formatted(condition.indent(6))).get(0);
    }

    private static boolean matches(String condition, String line) {
        return one(condition).match().test(Events.event(line));
    }

    private static final String KPROBE_SHADOW_READ = Events.derive(
            sample("process_kprobe.jsonl", n -> n.at("/process_kprobe/function_name").asText().endsWith("sys_read")
                    && n.at("/process_kprobe/args/0/file_arg/path").asText().equals("/etc/passwd")),
            n -> ((com.fasterxml.jackson.databind.node.ObjectNode) n.at("/process_kprobe/args/0/file_arg"))
                    .put("path", "/etc/shadow"));

    @Test
    void badFilesStopWithFileLineAndRule() {
        String typo = error("""
                        rules:
                          - id: x
                            match:
                              field: process_kprobe.args[*].file_args.path
                              equals: /etc/shadow
                        """);
        assertTrue(typo.startsWith("r.yaml:5: rule 'x': unknown field path 'process_kprobe.args[*].file_args.path': "
                + "'file_args' is not a field of 'process_kprobe.args[]'; known there: bpf_attr_arg, "), typo);
        assertTrue(typo.contains(" file_arg, "), typo);
        assertTrue(error("""
                rules:
                  - id: ok
                    match: {type: process_exec}
                  - id: bad-regex
                    match:
                      field: process_exec.process.binary
                      regex: "(unclosed"
                """).startsWith("r.yaml:7: rule 'bad-regex': bad regex '(unclosed': Unclosed group"));
        assertEquals("r.yaml:4: rule 'x': one operator per condition (found 'equals' and 'matches'); combine "
                + "conditions with all/any", error("""
                rules:
                  - id: x
                    match: {field: process_exec.process.binary, equals: /bin/sh,
                      matches: sh}
                """));
        assertTrue(error("""
                rules:
                  - id: x
                    match:
                      field: process_exec.process.binary
                      like: sh
                """).startsWith("r.yaml:5: rule 'x': unknown operator 'like'; known: equals, not_equals, in, "));
        assertEquals("r.yaml:5: rule 'x': unknown action 'page'; known: alert, tag, drop, sample, route", error("""
                rules:
                  - id: x
                    match: {type: process_exec}
                    actions:
                      - page
                """));
        assertEquals("r.yaml:5: rule 'x': bad CIDR '10.0.0.0/33': prefix length out of range", error("""
                rules:
                  - id: x
                    match:
                      field: process_kprobe.args[*].sock_arg.daddr
                      cidr: [10.0.0.0/33]
                """));
        assertEquals("r.yaml:4: rule 'x': id already used at r.yaml:2", dupError());
        assertEquals("r.yaml:4: rule 'x': unknown key 'severty'; known: actions, description, enabled, id, match, "
                + "message, severity, tags, throttle", error("""
                rules:
                  - id: x
                    match: {type: process_exec}
                    severty: high
                """));
        assertEquals("r.yaml:3: not valid YAML: mapping values are not allowed here", error("""
                rules:
                  - id: x
                    match: a: b
                """));
        assertEquals("r.yaml:3: rule 'x': property 'tetragon.missing' is not set", error("""
                rules:
                  - id: x
                    match: {field: process_exec.process.binary, equals: "{{tetragon.missing}}"}
                """));
    }

    private static String dupError() {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("rules");
            java.nio.file.Files.writeString(dir.resolve("a.yaml"), "rules:\n  - id: x\n    match: {type: process_exec}\n");
            java.nio.file.Files.writeString(dir.resolve("b.yaml"), "rules:\n\n\n  - id: x\n    match: {type: process_exit}\n");
            RulesException e = assertThrows(RulesException.class,
                    () -> new RuleFiles(dir, null, Events.loader(), null).load());
            return e.getMessage().replace(dir + "/b.yaml", "r.yaml").replace(dir + "/a.yaml", "r.yaml");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void operatorsOnRealEvents() {
        String exec = sample("process_exec.jsonl", n -> n.at("/process_exec/process/binary").asText().equals("/usr/bin/nc"));
        assertTrue(matches("{field: process_exec.process.binary, equals: /usr/bin/nc}", exec));
        assertTrue(matches("{field: process_exec.process.binary, equals: /USR/BIN/NC, ignore_case: true}", exec));
        assertFalse(matches("{field: process_exec.process.binary, equals: /USR/BIN/NC}", exec));
        assertTrue(matches("{field: process_exec.process.binary, in: [/bin/sh, /usr/bin/nc]}", exec));
        assertTrue(matches("{field: process_exec.process.binary, glob: /usr/*/nc}", exec));
        assertFalse(matches("{field: process_exec.process.binary, glob: /*/nc}", exec), "* stops at /");
        assertTrue(matches("{field: process_exec.process.binary, glob: /**/nc}", exec));
        assertTrue(matches("{field: process_exec.process.arguments, regex: '\\s443$'}", exec));
        assertTrue(matches("{field: process_exec.process.arguments, contains: not-reverse-shell}", exec));
        assertTrue(matches("{field: process_exec.process.arguments, not_contains: evil}", exec));
        assertTrue(matches("{field: 'process_exec.process.pod.pod_labels[\"app.kubernetes.io/name\"]', exists: false}", exec));
        assertTrue(matches("{field: process_exec.process.pod.namespace, exists: true}", exec));
        assertTrue(matches("{field: \"*.process.pid\", gt: 0}", exec));
        assertTrue(matches("{field: process_exec.process.auid, gte: 4294967295}", exec), "unsigned 32-bit");
        assertTrue(matches("{not: {field: process_exec.process.uid, lt: 0}}", exec));
        assertTrue(matches("{field: type, equals: process_exec}", exec));
        assertTrue(matches("{any: [{type: process_exit}, {type: process_exec}]}", exec));
        // 64-bit integers are strings in Tetragon's JSON: numeric operators read them
        String write = sample("process_kprobe.jsonl", n -> n.at("/process_kprobe/function_name").asText().endsWith("sys_read")
                && n.at("/process_kprobe/args/1/truncated_bytes_arg").isObject());
        assertTrue(matches("{field: 'process_kprobe.args[*].size_arg', gte: 65536}", write));
        assertTrue(matches("{field: 'process_kprobe.args[1].truncated_bytes_arg.orig_size', equals: 65536}", write));
        assertFalse(matches("{field: 'process_kprobe.args[0].size_arg', exists: true}", write), "[0] is the file_arg");
    }

    @Test
    void parseableFlattenedNamesReadTheSameFields() {
        assertTrue(matches("{field: process_kprobe_args_file_arg_path, equals: /etc/shadow}", KPROBE_SHADOW_READ));
        assertTrue(matches("{field: process_kprobe_process_binary, suffix: /cat}", KPROBE_SHADOW_READ));
        assertTrue(matches("{field: process_kprobe_function_name, suffix: sys_read}", KPROBE_SHADOW_READ));
        assertTrue(matches("{field: time, exists: true}", KPROBE_SHADOW_READ));
        String exec = sample("process_exec.jsonl", n -> n.at("/process_exec/process/pod/pod_labels").size() > 0);
        String label = exec.substring(exec.indexOf("\"pod_labels\":{\"") + 15);
        label = label.substring(0, label.indexOf('"'));
        assertTrue(matches("{field: process_exec_process_pod_pod_labels_" + label + ", exists: true}", exec));
        assertTrue(error("""
                rules:
                  - id: x
                    match: {field: process_kprobe_args_file_args_path, exists: true}
                """).contains("unknown field 'process_kprobe_args_file_args_path'"));
    }

    @Test
    void camelExpressionsForWhatFieldsCannotSay() throws Exception {
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            camel.start();
            RuleLoader loader = new RuleLoader(k -> Optional.empty(), camel, Duration.ZERO);
            List<Rule> rules = loader.parse("r.yaml", """
                    rules:
                      - id: simple
                        match:
                          simple: "${variable.event.binary()} == '/usr/bin/cat' && ${body.path('process_kprobe').path('function_name').asText()} ends with 'sys_read'"
                      - id: jsonpath
                        match:
                          jsonpath: "$.process_kprobe.args[?(@.file_arg.path == '/etc/shadow')]"
                    """);
            TetragonEvent e = Events.event(KPROBE_SHADOW_READ);
            assertTrue(rules.get(0).match().test(e));
            assertTrue(rules.get(1).match().test(e));
            assertFalse(rules.get(1).match().test(Events.event(Events.sample("process_exit.jsonl", 0))));
            RulesException bad = assertThrows(RulesException.class, () -> loader.parse("r.yaml", """
                    rules:
                      - id: broken
                        match:
                          simple: "${body.foo"
                    """));
            assertTrue(bad.getMessage().startsWith("r.yaml:4: rule 'broken': simple expression '${body.foo': "),
                    bad.getMessage());
        }
    }

    @Test
    void rulesAreIndexedSoAnEventMeetsOnlyTheRulesThatCanMatchIt() {
        StringBuilder yaml = new StringBuilder("rules:\n");
        for (int i = 0; i < 100; i++) {
            yaml.append("  - id: fn-").append(i).append("\n    match:\n      all:\n")
                    .append("        - field: process_kprobe.function_name\n          equals: fn_").append(i).append('\n')
                    .append("        - field: process_kprobe.process.binary\n          suffix: /x\n");
        }
        yaml.append("  - id: any-kprobe\n    match: {field: process_kprobe.process.uid, equals: 0}\n");
        yaml.append("  - id: exec-only\n    match: {type: process_exec}\n");
        yaml.append("  - id: everything\n    match: {field: node_name, exists: true}\n");
        RuleSet set = new RuleSet(Events.loader().parse("r.yaml", yaml.toString()));
        TetragonEvent setns = Events.event(sample("process_kprobe.jsonl",
                n -> n.at("/process_kprobe/function_name").asText().equals("__x64_sys_setns")));
        assertEquals(List.of("any-kprobe", "everything"), ids(set.candidates(setns)));
        TetragonEvent fn7 = Events.event(Events.derive(sample("process_kprobe.jsonl", 0),
                n -> ((com.fasterxml.jackson.databind.node.ObjectNode) n.get("process_kprobe")).put("function_name", "fn_7")));
        assertEquals(List.of("fn-7", "any-kprobe", "everything"), ids(set.candidates(fn7)));
        TetragonEvent exec = Events.event(sample("process_exec.jsonl", 0));
        assertEquals(List.of("exec-only", "everything"), ids(set.candidates(exec)));
        TetragonEvent exit = Events.event(sample("process_exit.jsonl", 0));
        assertEquals(List.of("everything"), ids(set.candidates(exit)));
    }

    static java.nio.file.Path write(String yaml) throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(
                java.nio.file.Files.createDirectories(java.nio.file.Path.of("target")), "rules");
        java.nio.file.Files.writeString(dir.resolve("rules.yaml"), yaml);
        return dir;
    }

    private static List<String> ids(Rule[] rules) {
        return java.util.Arrays.stream(rules).map(Rule::id).toList();
    }

    @Test
    void actionsDecideTheOutputs() throws Exception {
        String yaml = """
                rules:
                  - id: noisy-exit
                    match: {type: process_exit}
                    actions: [drop]
                  - id: exit-sample
                    match: {type: process_exit}
                    actions: [{route: [audit]}]
                  - id: one-in-three
                    severity: low
                    match: {type: process_exec}
                    actions:
                      - sample: 3
                  - id: exec-alert
                    severity: high
                    tags: [T1]
                    match: {field: process_exec.process.binary, equals: /usr/bin/nc}
                    throttle: 10s
                    actions: [alert, {route: [network, audit]}]
                """;
        List<Rule> rules = Events.loader().parse("r.yaml", yaml);
        long[] now = {0};
        RulesEngine engine = new RulesEngine(new RuleFiles(write(yaml), null, Events.loader(), null),
                new SimpleMeterRegistry(), new AlertThrottle(10, () -> now[0]));
        assertEquals(rules.size(), engine.rules().size());
        EventBatch exits = Events.batch(List.of(sample("process_exit.jsonl", 0)));
        engine.apply(exits);
        TetragonEvent exit = exits.list().get(0);
        assertFalse(exit.routedTo("all"), "dropped from all");
        assertTrue(exit.routedTo("audit"), "but a route a rule chose still gets it");
        assertEquals(List.of("noisy-exit", "exit-sample"), Events.ids(exit));

        String nc = sample("process_exec.jsonl", n -> n.at("/process_exec/process/binary").asText().equals("/usr/bin/nc"));
        EventBatch ncs = Events.batch(List.of(nc, nc, nc, nc));
        engine.apply(ncs);
        List<TetragonEvent> e = ncs.list();
        assertEquals(List.of(true, false, false, true), e.stream().map(x -> x.routedTo("all")).toList(), "1 in 3");
        assertEquals(List.of(true, false, false, false), e.stream().map(x -> x.routedTo("alerts")).toList(),
                "one alert per rule, pod and binary per window");
        assertTrue(e.stream().allMatch(x -> x.routedTo("network") && x.routedTo("audit")));
        assertEquals("high", e.get(0).extras().path("rule").path("severity").asText(), "the highest severity");
        assertEquals("[\"T1\"]", e.get(0).extras().path("rule").path("tags").toString());
        now[0] = Duration.ofSeconds(11).toNanos();
        EventBatch later = Events.batch(List.of(nc));
        engine.apply(later);
        assertTrue(later.list().get(0).routedTo("alerts"));
        assertEquals(4, later.list().get(0).extras().path("rule").path("count").asLong(),
                "the alert after the window counts the 3 held back and itself");
    }
}
