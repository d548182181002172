package io.tetragonroutes.rules.sigma;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.rules.RuleSet;
import io.tetragonroutes.rules.RulesException;
import io.tetragonroutes.rules.Severity;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Sigma reader on small rules written here: what the specification says about values, modifiers and
 * conditions, the field map on real sample events, what is skipped and why, and what fails with file and line.
 */
class SigmaLoaderTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final EventParser PARSER = new EventParser(MAPPER, new SimpleMeterRegistry());
    private final SigmaLoader loader = new SigmaLoader(Severity.HIGH, Set.of("deprecated", "unsupported"),
            Duration.ofSeconds(60));

    /** A process_creation rule with this detection (indented under 'detection:'). */
    private static String rule(String detection) {
        return """
                title: Test rule
                id: 0f0e0d0c-0000-4000-8000-000000000001
                status: test
                author: Test Author
                tags:
                    - attack.execution
                    - attack.t1059.004
                    - attack.stealth
                    - cve.2099-0001
                logsource:
                    product: linux
                    category: process_creation
                detection:
                """ + detection.indent(4) + "level: high\n";
    }

    private RuleSet load(String yaml) {
        SigmaLoader.Result r = loader.parse("t.yml", yaml);
        return new RuleSet(r.rules(), r.skipped());
    }

    /** A real exec sample with some fields set. */
    private static TetragonEvent exec(Consumer<ObjectNode> process) {
        try {
            for (String l : Samples.lines("events/process_exec.jsonl")) {
                ObjectNode n = (ObjectNode) MAPPER.readTree(l);
                if (n.path("process_exec").has("parent")) {
                    ObjectNode p = (ObjectNode) n.get("process_exec").get("process");
                    p.remove("arguments");
                    process.accept(p);
                    return event(MAPPER.writeValueAsString(n));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("no exec sample");
    }

    private static TetragonEvent event(String line) {
        EventBatch b = PARSER.parse(Samples.batch("t", List.of(line)));
        return b.list().get(0);
    }

    private static TetragonEvent cmd(String binary, String args) {
        return exec(p -> {
            p.put("binary", binary);
            if (args != null) {
                p.put("arguments", args);
            }
        });
    }

    private static boolean fires(RuleSet set, TetragonEvent e) {
        return !set.matchingIds(e).isEmpty();
    }

    @Test
    void commandLineIsTheBinaryOrItsBaseNameFollowedByTheArguments() {
        RuleSet starts = load(rule("selection:\n    CommandLine|startswith: 'sh -c'\ncondition: selection"));
        assertTrue(fires(starts, cmd("/bin/sh", "-c id")), "base name form");
        RuleSet full = load(rule("selection:\n    CommandLine|startswith: '/bin/sh -c'\ncondition: selection"));
        assertTrue(fires(full, cmd("/bin/sh", "-c id")), "path form");
        RuleSet exact = load(rule("selection:\n    CommandLine: 'whoami'\ncondition: selection"));
        assertTrue(fires(exact, cmd("/usr/bin/whoami", null)), "no arguments: the base name alone");
        assertFalse(fires(exact, cmd("/usr/bin/whoami", "--version")));
    }

    @Test
    void matchingIsCaseInsensitiveUnlessCasedAndRegexesAreCaseSensitiveUnlessI() {
        assertTrue(fires(load(rule("s:\n    CommandLine|contains: 'APT::Update'\ncondition: s")),
                cmd("/usr/bin/apt", "-o apt::update::x=1")));
        assertFalse(fires(load(rule("s:\n    CommandLine|contains|cased: 'APT::Update'\ncondition: s")),
                cmd("/usr/bin/apt", "-o apt::update::x=1")));
        assertTrue(fires(load(rule("s:\n    Image|endswith: '/BASH'\ncondition: s")), cmd("/bin/bash", null)));
        assertFalse(fires(load(rule("s:\n    CommandLine|re: '\\s-O\\s'\ncondition: s")), cmd("/usr/bin/wget", "x -o y")));
        assertTrue(fires(load(rule("s:\n    CommandLine|re: '\\s-O\\s'\ncondition: s")), cmd("/usr/bin/wget", "x -O y")));
        assertTrue(fires(load(rule("s:\n    CommandLine|re|i: '\\s-O\\s'\ncondition: s")), cmd("/usr/bin/wget", "x -o y")));
    }

    @Test
    void wildcardsAndTheirEscapes() {
        RuleSet star = load(rule("s:\n    CommandLine|contains: '/etc/*.conf'\ncondition: s"));
        assertTrue(fires(star, cmd("/usr/bin/vi", "/etc/ssh/sshd.conf")));
        assertFalse(fires(star, cmd("/usr/bin/vi", "/etc/hosts")));
        RuleSet one = load(rule("s:\n    Image: '/usr/bin/python?'\ncondition: s"));
        assertTrue(fires(one, cmd("/usr/bin/python3", null)));
        assertFalse(fires(one, cmd("/usr/bin/python", null)));
        RuleSet escaped = load(rule("s:\n    CommandLine|contains: 'a\\*b'\ncondition: s"));
        assertTrue(fires(escaped, cmd("/bin/echo", "a*b")));
        assertFalse(fires(escaped, cmd("/bin/echo", "axxb")));
    }

    @Test
    void allListsNullExistsNumbersCidrWindashAndNeq() {
        RuleSet all = load(rule("s:\n    CommandLine|contains|all: ['-a', '-b']\ncondition: s"));
        assertTrue(fires(all, cmd("/bin/x", "-b -a")));
        assertFalse(fires(all, cmd("/bin/x", "-a")));
        RuleSet any = load(rule("s:\n    CommandLine|contains: ['-a', '-b']\ncondition: s"));
        assertTrue(fires(any, cmd("/bin/x", "-b")));
        RuleSet none = load(rule("s:\n    Image|endswith: '/x'\n    CommandLine|endswith: 'z'\n"
                + "empty:\n    ParentImage: null\ncondition: s and not empty"));
        assertTrue(fires(none, cmd("/bin/x", "yz")), "the sample has a parent");
        RuleSet exists = load(rule("s:\n    LogonId|exists: true\n    Image|endswith: '/x'\ncondition: s"));
        assertTrue(fires(exists, cmd("/bin/x", null)));
        RuleSet gt = load(rule("s:\n    ProcessId|gt: 100\n    Image|endswith: '/x'\ncondition: s"));
        assertTrue(fires(gt, exec(p -> p.put("binary", "/bin/x").put("pid", 101))));
        assertFalse(fires(gt, exec(p -> p.put("binary", "/bin/x").put("pid", 100))));
        RuleSet neq = load(rule("s:\n    Image|endswith: '/x'\nu:\n    User|neq: root\ncondition: s and u"));
        assertFalse(fires(neq, exec(p -> p.put("binary", "/bin/x").put("uid", 0))));
        assertTrue(fires(neq, exec(p -> p.put("binary", "/bin/x").put("uid", 1000))));
        RuleSet windash = load(rule("s:\n    CommandLine|windash|contains: ' -exec'\ncondition: s"));
        assertTrue(fires(windash, cmd("/usr/bin/find", ". /exec sh")));
        assertTrue(fires(windash, cmd("/usr/bin/find", ". \u2013exec sh")));
    }

    @Test
    void userLogonIdAndCurrentDirectory() {
        RuleSet omigod = load(rule("s:\n    User: root\n    LogonId: 0\n    CurrentDirectory: '/var/opt/x/tmp'\n"
                + "condition: s"));
        assertTrue(fires(omigod, exec(p -> p.put("uid", 0).put("auid", 0).put("cwd", "/var/opt/x/tmp/"))),
                "uid 0 is root, cwd without its trailing slash");
        assertFalse(fires(omigod, exec(p -> p.put("uid", 0).put("auid", 4294967295L).put("cwd", "/var/opt/x/tmp/"))));
        RuleSet named = load(rule("s:\n    User: alice\ncondition: s"));
        assertTrue(fires(named, exec(p -> p.put("uid", 1000).putObject("user").put("name", "Alice"))));
        assertFalse(fires(named, exec(p -> p.put("uid", 1000))));
    }

    @Test
    void conditionsFollowTheSpecificationsPrecedence() {
        String ids = "a:\n    Image|endswith: '/a'\nb:\n    CommandLine|contains: 'bee'\nc:\n    CommandLine|contains: 'sea'\n";
        // or < and < not: a or (b and (not c))
        RuleSet p = load(rule(ids + "condition: a or b and not c"));
        assertTrue(fires(p, cmd("/bin/a", "sea")));
        assertTrue(fires(p, cmd("/bin/z", "bee")));
        assertFalse(fires(p, cmd("/bin/z", "bee sea")));
        RuleSet paren = load(rule(ids + "condition: (a or b) and not c"));
        assertFalse(fires(paren, cmd("/bin/a", "sea")));
        RuleSet them = load(rule(ids + "_hidden:\n    Image|endswith: '/h'\ncondition: 1 of them"));
        assertFalse(fires(them, cmd("/bin/h", null)), "them leaves out identifiers starting with _");
        assertTrue(fires(them, cmd("/bin/z", "sea")));
        RuleSet allOf = load(rule("sel_1:\n    Image|endswith: '/a'\nsel_2:\n    CommandLine|contains: 'bee'\n"
                + "condition: all of sel_*"));
        assertTrue(fires(allOf, cmd("/bin/a", "bee")));
        assertFalse(fires(allOf, cmd("/bin/a", "sea")));
        RuleSet keywords = load(rule("keywords:\n    - 'pass*wd'\n    - 'shadow'\ncondition: keywords"));
        assertTrue(fires(keywords, cmd("/bin/cat", "/etc/passwd")));
        assertFalse(fires(keywords, cmd("/bin/cat", "/etc/hosts")));
    }

    @Test
    void aMatchCarriesTitleAuthorLevelAndAttackTags() {
        SigmaLoader.Result r = loader.parse("t.yml", rule("s:\n    Image|endswith: '/a'\ncondition: s"));
        var rule = r.rules().get(0);
        assertEquals("0f0e0d0c-0000-4000-8000-000000000001", rule.id());
        assertEquals("Test rule", rule.description());
        assertEquals("Test Author", rule.author());
        assertEquals(Severity.HIGH, rule.severity());
        assertTrue(rule.alert());
        assertEquals(List.of("execution", "T1059.004", "stealth", "cve.2099-0001"), rule.tags());
        SigmaLoader quiet = new SigmaLoader(Severity.CRITICAL, Set.of(), Duration.ofSeconds(60));
        assertFalse(quiet.parse("t.yml", rule("s:\n    Image|endswith: '/a'\ncondition: s")).rules().get(0).alert(),
                "below the alert level a rule tags only");
    }

    @Test
    void rulesThatCannotRunOnTetragonDataAreSkippedWithTheirReason() {
        String base = rule("s:\n    Image|endswith: '/a'\ncondition: s");
        assertEquals("logsource:product=windows", skip(base.replace("product: linux", "product: windows")));
        assertEquals("logsource:service=auditd", skip(base.replace("category: process_creation", "service: auditd")));
        assertEquals("logsource:category=process_access", skip(base.replace("process_creation", "process_access")));
        assertEquals("status:deprecated", skip(base.replace("status: test", "status: deprecated")));
        assertEquals("field:DestinationHostname", skip(rule("s:\n    DestinationHostname: x\ncondition: s")));
        assertEquals("field:OriginalFileName", skip(rule("s:\n    OriginalFileName: x\ncondition: s")));
        assertEquals("field:Company", skip(rule("s:\n    Company: x\ncondition: s")));
        assertEquals("field:TargetFilename", skip(rule("s:\n    TargetFilename: x\ncondition: s")),
                "a file field in process_creation");
        assertEquals("modifier:base64offset", skip(rule("s:\n    CommandLine|base64offset|contains: x\ncondition: s")));
        assertEquals("aggregation", skip(rule("s:\n    Image: x\ncondition: s | count() by Image > 5")));
        assertEquals("correlation", skip("""
                title: Many
                id: 0f0e0d0c-0000-4000-8000-000000000002
                correlation:
                    type: event_count
                    rules: [x]
                    timespan: 1h
                """));
    }

    private String skip(String yaml) {
        SigmaLoader.Result r = loader.parse("t.yml", yaml);
        assertTrue(r.loaded().isEmpty(), yaml);
        assertEquals(1, r.skipped().size());
        assertTrue(r.skipped().get(0).source().startsWith("t.yml:"));
        assertFalse(r.skipped().get(0).detail().isBlank());
        return r.skipped().get(0).reason();
    }

    @Test
    void aBrokenRuleFailsWithFileLineTitleAndId() {
        assertBroken(rule("s:\n    Image|endswith: '/a'\ncondition: s and nope"), "t.yml:16: Sigma rule 'Test rule' "
                + "(0f0e0d0c-0000-4000-8000-000000000001): condition 's and nope': no search identifier 'nope'");
        assertBroken(rule("s:\n    Image|endwith: '/a'\ncondition: s"), "t.yml:15: Sigma rule 'Test rule' "
                + "(0f0e0d0c-0000-4000-8000-000000000001): unknown modifier 'endwith'");
        assertBroken(rule("s:\n    CommandLine|re: '(unclosed'\ncondition: s"), "CommandLine: bad regex '(unclosed'");
        assertBroken(rule("s:\n    Image|endswith: '/a'\ncondition: (s"), "'(' without ')'");
        assertBroken(rule("s:\n    Image|endswith: '/a'\n").replace("level: high", "level: severe"),
                "detection without a 'condition'");
        assertBroken(rule("s:\n    Image|endswith: '/a'\ncondition: s").replace("level: high", "level: severe"),
                "level 'severe'");
        assertBroken(rule("s:\n    Image|endswith: '/a'\ncondition: s").replace("title: Test rule\n", ""),
                "Sigma rule without a 'title'");
        assertBroken("title: x\n  bad: [", "t.yml:2: not valid YAML");
    }

    private void assertBroken(String yaml, String expected) {
        RulesException e = assertThrows(RulesException.class, () -> loader.parse("t.yml", yaml));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("t.yml:"), e.getMessage());
    }
}
