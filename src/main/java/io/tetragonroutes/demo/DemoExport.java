package io.tetragonroutes.demo;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;

/**
 * Generates Tetragon export lines: exec, exit and kprobe events (file access, tcp_connect), throttle and
 * rate-limit lines, shaped like Tetragon's protojson export (snake_case keys, 64-bit ints as strings, exec ids as
 * base64 of node:ktime:pid, host processes without pod, both separator styles). Values are invented here; no line of
 * the public samples is copied. Deterministic for a given seed.
 */
public final class DemoExport {

    private record Pod(String namespace, String name, String container, String image, String workload, String kind,
                       String[] labels, String[] binaries) {
    }

    private static final Pod[] PODS = {
        new Pod("shop", "frontend-6c9b7d5f4-x2k8p", "frontend", "registry.example.com/shop/frontend:1.8.2",
                "frontend", "Deployment", new String[] {"app", "frontend", "pod-template-hash", "6c9b7d5f4"},
                new String[] {"/usr/local/bin/node", "/bin/sh", "/usr/bin/curl"}),
        new Pod("payments", "ledger-0", "ledger", "registry.example.com/payments/ledger:3.1.0", "ledger",
                "StatefulSet", new String[] {"app", "ledger", "tier", "backend"},
                new String[] {"/usr/bin/java", "/bin/bash", "/usr/bin/openssl"}),
        new Pod("monitoring", "node-exporter-q7w2z", "node-exporter", "quay.io/prometheus/node-exporter:v1.8.2",
                "node-exporter", "DaemonSet", new String[] {"app.kubernetes.io/name", "node-exporter"},
                new String[] {"/bin/node_exporter"}),
        new Pod("default", "debug-shell", "debug", "docker.io/library/busybox:1.36", "debug-shell", "Pod",
                new String[] {"run", "debug-shell"}, new String[] {"/bin/sh", "/bin/cat", "/bin/vi", "/bin/ls"}),
        null, // host processes: no pod key at all
    };
    private static final String[] HOST_BINARIES = {"/usr/bin/containerd", "/usr/sbin/sshd", "/usr/bin/kubelet",
        "/usr/bin/kubectl"};
    private static final String[] FILES = {"/var/log/app.log", "/tmp/cache.db", "/etc/hosts", "/etc/resolv.conf",
        "/proc/self/status", "/usr/lib/os-release"};
    private static final String[][] SENSITIVE = {{"/bin/vi", "/etc/passwd", "2"}, {"/bin/cat", "/etc/shadow", "4"},
        {"/usr/bin/kubectl", "/etc/kubernetes/admin.conf", "4"}};

    private final Random rnd;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ObjectWriter compact = mapper.writer();
    private final ObjectWriter spaced = mapper.writer(new SpacedPrinter());
    private final String node;
    private long ktime = 69_639_200_000_000L;
    private Instant clock = Instant.parse("2026-11-20T09:00:00Z");
    private int nextPid = 200_000;

    public DemoExport(long seed, String node) {
        this.rnd = new Random(seed);
        this.node = node;
    }

    /** The next event: roughly 40% exec, 30% exit, 30% kprobe (file access and tcp_connect). */
    public byte[] next() {
        int roll = rnd.nextInt(100);
        String type = roll < 40 ? "process_exec" : roll < 70 ? "process_exit" : "process_kprobe";
        return line(event(type, false));
    }

    /** A kprobe that reads or writes one of the sensitive files. */
    public byte[] sensitive() {
        return line(event("process_kprobe", true));
    }

    public byte[] throttle(boolean start) {
        ObjectNode root = mapper.createObjectNode();
        root.putObject("process_throttle").put("type", start ? "THROTTLE_START" : "THROTTLE_STOP")
                .put("cgroup", "kubepods-burstable-pod" + hex(8) + ".slice");
        return line(top(root));
    }

    public byte[] rateLimitInfo(long dropped) {
        ObjectNode root = mapper.createObjectNode();
        root.putObject("rate_limit_info").put("number_of_dropped_process_events", Long.toString(dropped));
        return line(top(root));
    }

    private ObjectNode event(String type, boolean sensitive) {
        Pod pod = sensitive ? PODS[3] : PODS[rnd.nextInt(PODS.length)];
        String[] s = SENSITIVE[rnd.nextInt(SENSITIVE.length)];
        if (sensitive && s[0].equals("/usr/bin/kubectl")) {
            pod = null;
        }
        String binary = sensitive ? s[0] : pod == null ? pick(HOST_BINARIES) : pick(pod.binaries);
        ObjectNode root = mapper.createObjectNode();
        ObjectNode body = root.putObject(type);
        int ppid = nextPid++;
        ObjectNode parent = process(pod, ppid, pod == null ? "/usr/lib/systemd/systemd" : "/bin/sh", "", null);
        ObjectNode process = process(pod, nextPid++, binary, sensitive ? s[1] : args(), parent.get("exec_id").asText());
        body.set("process", process);
        if (!(type.equals("process_exec") && rnd.nextInt(20) == 0)) { // now and then the parent is unknown
            body.set("parent", parent);
        }
        if (type.equals("process_exit")) {
            if (rnd.nextInt(4) == 0) {
                body.put("status", 1 + rnd.nextInt(2));
            }
            if (rnd.nextInt(10) == 0) {
                body.put("signal", "SIGKILL");
            }
            body.put("time", stamp(clock));
        } else if (type.equals("process_kprobe")) {
            kprobe(body, sensitive ? s : null);
        }
        return top(root);
    }

    private void kprobe(ObjectNode body, String[] sensitive) {
        ArrayNode args = mapper.createArrayNode();
        if (sensitive != null || rnd.nextBoolean()) {
            String path = sensitive != null ? sensitive[1] : pick(FILES);
            body.put("function_name", "security_file_permission");
            args.addObject().putObject("file_arg").put("path", path).put("permission", "-rw-r--r--");
            args.addObject().put("int_arg", sensitive != null ? Integer.parseInt(sensitive[2]) : 4);
            body.set("args", args);
            body.putObject("return").put("int_arg", 0);
            body.put("action", "KPROBE_ACTION_POST");
            body.put("policy_name", "file-monitoring");
            body.put("return_action", "KPROBE_ACTION_POST");
        } else {
            body.put("function_name", "tcp_connect");
            ObjectNode sock = args.addObject().putObject("sock_arg");
            sock.put("family", "AF_INET").put("type", "SOCK_STREAM").put("protocol", "IPPROTO_TCP")
                    .put("saddr", "10.244.0." + (2 + rnd.nextInt(200))).put("daddr", rnd.nextInt(3) == 0
                            ? "93.184.215." + rnd.nextInt(255) : "10.96.0." + rnd.nextInt(255))
                    .put("sport", 32768 + rnd.nextInt(28000)).put("dport", rnd.nextBoolean() ? 443 : 5432)
                    .put("cookie", Long.toUnsignedString(rnd.nextLong())).put("state", "TCP_SYN_SENT");
            body.set("args", args);
            body.put("action", "KPROBE_ACTION_POST");
            body.put("policy_name", "connect");
        }
    }

    private ObjectNode process(Pod pod, int pid, String binary, String arguments, String parentExecId) {
        ktime += 1_000 + rnd.nextInt(5_000_000);
        clock = clock.plusNanos(50_000 + rnd.nextInt(2_000_000));
        ObjectNode p = mapper.createObjectNode();
        p.put("exec_id", Base64.getEncoder().encodeToString((node + ":" + ktime + ":" + pid)
                .getBytes(StandardCharsets.UTF_8)));
        p.put("pid", pid).put("uid", rnd.nextInt(5) == 0 ? 1000 : 0).put("cwd", "/").put("binary", binary);
        if (!arguments.isEmpty()) {
            p.put("arguments", arguments);
        }
        p.put("flags", "execve rootcwd clone").put("start_time", stamp(clock)).put("auid", 4294967295L);
        if (pod != null) {
            ObjectNode po = p.putObject("pod").put("namespace", pod.namespace).put("name", pod.name);
            String cid = hex(64);
            ObjectNode c = po.putObject("container").put("id", "containerd://" + cid).put("name", pod.container);
            c.putObject("image").put("id", pod.image + "@sha256:" + hex(64)).put("name", pod.image);
            c.put("start_time", "2026-11-19T08:00:00Z").put("pid", 1 + rnd.nextInt(40));
            ObjectNode labels = po.putObject("pod_labels");
            for (int i = 0; i < pod.labels.length; i += 2) {
                labels.put(pod.labels[i], pod.labels[i + 1]);
            }
            po.put("workload", pod.workload).put("workload_kind", pod.kind);
            p.put("docker", cid.substring(0, 31));
        }
        if (parentExecId != null) {
            p.put("parent_exec_id", parentExecId);
        }
        p.put("tid", pid);
        return p;
    }

    private ObjectNode top(ObjectNode root) {
        clock = clock.plusNanos(10_000 + rnd.nextInt(500_000));
        root.put("node_name", node).put("time", stamp(clock));
        return root;
    }

    private byte[] line(ObjectNode root) {
        try {
            return (rnd.nextBoolean() ? spaced : compact).writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String args() {
        return switch (rnd.nextInt(4)) {
            case 0 -> "";
            case 1 -> "-c \"echo ready && sleep " + rnd.nextInt(60) + "\"";
            case 2 -> "--config /etc/app/config.yaml --port " + (8000 + rnd.nextInt(100));
            default -> "https://api.example.com/v1/items?page=" + rnd.nextInt(100);
        };
    }

    private String pick(String[] a) {
        return a[rnd.nextInt(a.length)];
    }

    private String hex(int len) {
        byte[] b = new byte[(len + 1) / 2];
        rnd.nextBytes(b);
        return HexFormat.of().formatHex(b).substring(0, len);
    }

    /** RFC 3339 with 0, 3, 6 or 9 fraction digits, as Tetragon prints them. */
    private String stamp(Instant t) {
        return t.toString(); // Instant prints exactly as many fraction digits as needed
    }

    /** Protojson in some Tetragon builds writes ", " between members; both styles must parse the same. */
    private static final class SpacedPrinter extends MinimalPrettyPrinter {
        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    }
}
