package io.tetragonroutes.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.TetragonEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.tetragonroutes.rules.Events.derive;
import static io.tetragonroutes.rules.Events.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped rule pack (routes/rules/default.yaml), each rule on a real sample or one changed only where it reads. */
class DefaultRulesTest {

    private final RuleFiles files = new RuleFiles(Path.of("routes/rules"), null, Events.loader(), null);
    private final RulesEngine engine = new RulesEngine(files, new SimpleMeterRegistry(),
            new AlertThrottle(100, System::nanoTime));

    private TetragonEvent run(String line) {
        EventBatch b = Events.batch(List.of(line));
        engine.apply(b);
        return b.list().get(0);
    }

    private void fires(String rule, String line) {
        TetragonEvent e = run(line);
        assertTrue(Events.ids(e).contains(rule), rule + " should fire, got " + e.extras());
    }

    private static JsonNode kprobe(JsonNode n) {
        return n.path("process_kprobe");
    }

    private static String kprobeOf(String function) {
        return sample("process_kprobe.jsonl", n -> function.equals(kprobe(n).path("function_name").asText()));
    }

    @Test
    void everyRuleInThePackHasATestHere() {
        Set<String> ids = new HashSet<>();
        engine.rules().rules().forEach(r -> ids.add(r.id()));
        assertEquals(Set.of("sensitive-file-read", "account-file-write", "setuid-to-root", "commit-creds-root",
                "sensitive-capability-in-pod", "sudo-exec", "nsenter-exec", "setns-call", "privileged-container-exec",
                "host-pid-namespace-exec", "kernel-module-load", "egress-outside-cluster", "shell-in-container",
                "network-tool-in-container", "exec-from-temp-dir", "tetragon-rate-limited", "tetragon-throttled"), ids);
    }

    @Test
    void sensitiveFiles() {
        // the real sys_read of /etc/passwd, reading /etc/shadow instead
        String read = sample("process_kprobe.jsonl", n -> kprobe(n).path("function_name").asText().endsWith("sys_read")
                && kprobe(n).path("args").get(0).path("file_arg").path("path").asText().equals("/etc/passwd"));
        assertFalse(Events.ids(run(read)).contains("sensitive-file-read"), "reading /etc/passwd is normal");
        TetragonEvent e = run(derive(read, n -> ((ObjectNode) n.at("/process_kprobe/args/0/file_arg"))
                .put("path", "/etc/kubernetes/admin.conf")));
        assertEquals("high", e.extras().path("rule").path("severity").asText());
        assertTrue(e.extras().path("rule").path("message").asText().startsWith("sensitive file /etc/kubernetes/admin.conf"
                + " accessed via __x64_sys_read by /usr/bin/cat"), e.extras().toString());
        assertTrue(e.routedTo("alerts"));
        // same rule, pod and binary within the window: tagged, kept in all, not a second alert
        TetragonEvent again = run(derive(read, n -> ((ObjectNode) n.at("/process_kprobe/args/0/file_arg"))
                .put("path", "/etc/shadow")));
        assertEquals(List.of("sensitive-file-read"), Events.ids(again));
        assertFalse(again.routedTo("alerts"));
        assertTrue(again.routedTo("all") && again.extras().path("rule").path("throttled").asBoolean());
        fires("sensitive-file-read", derive(read, n -> ((ObjectNode) n.at("/process_kprobe/args/0/file_arg"))
                .put("path", "/var/run/secrets/kubernetes.io/serviceaccount/..2024_01_01/token")));
    }

    @Test
    void accountFileWrites() {
        // the real security_file_permission on /etc/passwd with MAY_WRITE, and the real sys_write to it
        fires("account-file-write", sample("process_kprobe.jsonl", n -> kprobe(n).path("policy_name").asText()
                .equals("file-monitoring")));
        fires("account-file-write", sample("process_kprobe.jsonl", n -> kprobe(n).path("function_name").asText()
                .endsWith("sys_write") && kprobe(n).at("/args/0/file_arg/path").asText().equals("/etc/passwd")));
        // the same hook with MAY_READ (4) is not a write
        String perm = sample("process_kprobe.jsonl", n -> kprobe(n).path("policy_name").asText().equals("file-monitoring"));
        assertFalse(Events.ids(run(derive(perm, n -> ((ObjectNode) n.at("/process_kprobe/args/1")).put("int_arg", 4))))
                .contains("account-file-write"));
    }

    @Test
    void privilegeEscalation() {
        fires("commit-creds-root", kprobeOf("commit_creds")); // /tmp/su, uid 11 -> euid 0: real
        String setuid = kprobeOf("__x64_sys_setuid");
        assertFalse(Events.ids(run(setuid)).contains("setuid-to-root"), "root calling setuid(0) is not an escalation");
        fires("setuid-to-root", derive(setuid, n -> ((ObjectNode) n.at("/process_kprobe/process")).put("uid", 1000)));
        fires("sensitive-capability-in-pod", kprobeOf("cap_capable")); // CAP_SYSLOG by dmesg in a pod: real
        String exec = sample("process_exec.jsonl", n -> n.at("/process_exec/process/binary").asText().equals("/usr/bin/whoami"));
        fires("sudo-exec", derive(exec, n -> ((ObjectNode) n.at("/process_exec/process")).put("binary", "/usr/bin/sudo")));
    }

    @Test
    void containerEscape() {
        fires("nsenter-exec", sample("process_exec.jsonl", n -> n.at("/process_exec/process/binary").asText()
                .equals("/usr/bin/nsenter")));
        fires("setns-call", kprobeOf("__x64_sys_setns"));
        String nginx = sample("process_exec.jsonl", n -> n.at("/process_exec/process/binary").asText().equals("/usr/sbin/nginx"));
        assertEquals(List.of(), Events.ids(run(nginx)), "nginx starting in its pod is not a detection");
        fires("privileged-container-exec", derive(nginx, n -> ((ObjectNode) n.at("/process_exec/process/pod/container"))
                .putObject("security_context").put("privileged", true)));
        fires("host-pid-namespace-exec", derive(nginx, n -> ((ObjectNode) n.at("/process_exec/process"))
                .putObject("ns").putObject("pid").put("inum", 4026531836L).put("is_host", true)));
    }

    @Test
    void kernelModules() {
        fires("kernel-module-load", kprobeOf("do_init_module"));
        TetragonEvent e = run(kprobeOf("find_module_sections"));
        assertTrue(Events.ids(e).contains("kernel-module-load"));
        assertEquals("kernel module xfs loaded by /sbin/modprobe on " + e.nodeName(),
                e.extras().path("rule").path("message").asText());
    }

    @Test
    void egressOutsideTheClusterGoesToTheNetworkOutput() {
        String connect = kprobeOf("tcp_connect"); // real tcp_connect; the policy had no sock_arg: add the one it reads
        String outside = derive(connect, n -> ((ArrayNode) ((ObjectNode) n.get("process_kprobe")).putArray("args"))
                .addObject().putObject("sock_arg").put("family", "AF_INET").put("type", "SOCK_STREAM")
                .put("protocol", "IPPROTO_TCP").put("saddr", "10.244.0.7").put("daddr", "142.250.74.100")
                .put("sport", 40102).put("dport", 80));
        TetragonEvent e = run(outside);
        assertEquals(List.of("egress-outside-cluster"), Events.ids(e));
        assertTrue(e.routedTo("network") && e.routedTo("all") && !e.routedTo("alerts"));
        assertEquals("/usr/bin/telnet connected to 142.250.74.100:80", e.extras().path("rule").path("message").asText());
        String inside = outside.replace("142.250.74.100", "10.96.0.10");
        assertEquals(List.of(), Events.ids(run(inside)));
        assertEquals(List.of(), Events.ids(run(outside.replace("142.250.74.100", "fd00::1"))));
        assertEquals(List.of("egress-outside-cluster"), Events.ids(run(outside.replace("142.250.74.100", "2a00:1450::1"))));
    }

    @Test
    void suspiciousExecutions() {
        fires("shell-in-container", sample("process_exec.jsonl", n -> n.at("/process_exec/process/binary").asText()
                .equals("/usr/bin/sh")));
        fires("network-tool-in-container", sample("process_exec.jsonl", n -> n.at("/process_exec/process/binary")
                .asText().equals("/usr/bin/nc")));
        fires("exec-from-temp-dir", sample("process_exec.jsonl", n -> n.at("/process_exec/process/binary").asText()
                .startsWith("/tmp/")));
        String probe = derive(sample("process_exec.jsonl", n -> n.at("/process_exec/process/binary").asText()
                .equals("/usr/bin/sh")), n -> ((ObjectNode) n.at("/process_exec/process/pod/container"))
                .put("maybe_exec_probe", true));
        assertFalse(Events.ids(run(probe)).contains("shell-in-container"), "kubelet exec probes are not shells");
        String hostShell = sample("process_exec.jsonl", n -> n.at("/process_exec/process/binary").asText().equals("/bin/sh")
                && n.at("/process_exec/process/pod").isMissingNode());
        assertFalse(Events.ids(run(hostShell)).contains("shell-in-container"), "a host shell is not in a container");
    }

    @Test
    void tetragonDroppingEventsIsAlwaysAnAlert() {
        TetragonEvent e = run(Samples.lines("events/rate_limit_info.jsonl").get(0));
        assertEquals(List.of("tetragon-rate-limited"), Events.ids(e));
        assertEquals("Tetragon on my-node dropped 10 events (export rate limit)", e.extras().path("rule").path("message").asText());
        assertTrue(e.routedTo("alerts"));
        assertTrue(run(Samples.lines("events/rate_limit_info.jsonl").get(0)).routedTo("alerts"), "never throttled");
        List<String> throttle = Samples.lines("events/process_throttle.jsonl");
        assertEquals(List.of("tetragon-throttled"), Events.ids(run(throttle.get(0))));
        assertEquals(List.of(), Events.ids(run(throttle.get(1))), "THROTTLE_STOP");
    }

    @Test
    void everyRealSampleRunsAndOnlyTheExpectedOnesFire() {
        List<String> fired = new ArrayList<>();
        for (Path f : Samples.lineFiles()) {
            for (String l : Samples.lines(f)) {
                TetragonEvent e = run(l);
                if (e.hasExtras()) {
                    fired.add(f.getFileName() + " " + Events.ids(e));
                }
            }
        }
        // the detections in the real samples, in file order: no more (false positives), no fewer
        assertEquals(List.of("test-cilium-tetragon-log.log [nsenter-exec]",
                "test-execkprobe-log.log [sensitive-capability-in-pod]",
                "process_exec.jsonl [nsenter-exec]", // nsenter with no arguments
                "process_exec.jsonl [shell-in-container]", // sh lifecycle.sh in tenant-jobs
                "process_exec.jsonl [network-tool-in-container]", // nc to a reverse-shell host
                "process_exec.jsonl [shell-in-container]", "process_exec.jsonl [shell-in-container]",
                "process_exec.jsonl [nsenter-exec]", // nsenter -t 1 -m -u -n -i -p bash
                "process_exec.jsonl [exec-from-temp-dir]", // /tmp/go-build.../main
                "process_kprobe.jsonl [sensitive-capability-in-pod]", // CAP_SYSLOG
                "process_kprobe.jsonl [account-file-write]", // vi, MAY_WRITE on /etc/passwd
                "process_kprobe.jsonl [kernel-module-load]", "process_kprobe.jsonl [kernel-module-load]",
                "process_kprobe.jsonl [commit-creds-root]", "process_kprobe.jsonl [setns-call]",
                "process_kprobe.jsonl [account-file-write]", "process_kprobe.jsonl [account-file-write]",
                "process_kprobe.jsonl [account-file-write]",
                "process_throttle.jsonl [tetragon-throttled]", "rate_limit_info.jsonl [tetragon-rate-limited]"), fired);
    }
}
