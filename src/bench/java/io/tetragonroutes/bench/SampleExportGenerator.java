package io.tetragonroutes.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.demo.LumberjackWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Realistic exports of any size, made at run time from the real samples in ../shared/tetragon-samples/events/ (never
 * copied into the repo): each line is a sample event with new pids, exec ids, pod names and times. Mix: 40%
 * process_exec, 30% process_exit, 30% process_kprobe. The events name about {@code bench.pods} pods (default 110,
 * kubelet's default max-pods: the pods of one node, which is what a DaemonSet's cache holds): each pod of the samples
 * becomes that many divided by their number, by name suffixes.
 */
public final class SampleExportGenerator {

    /** Each sample pod becomes this many pods (name suffixes). */
    private final int podSuffixes;

    private final ObjectMapper mapper = new ObjectMapper();
    private final List<ObjectNode> exec;
    private final List<ObjectNode> exit;
    private final List<ObjectNode> kprobe;
    private final Random rnd;
    private long ktime = 1_000_000_000_000L;
    private Instant clock = Instant.parse("2026-11-20T08:00:00Z");

    /** About {@code bench.pods} pods (default 110). */
    public SampleExportGenerator(Path samples, long seed) throws IOException {
        this(samples, seed, Integer.getInteger("bench.pods", 110));
    }

    public SampleExportGenerator(Path samples, long seed, int pods) throws IOException {
        Path events = samples.resolve("events");
        exec = load(events.resolve("process_exec.jsonl"));
        exit = load(events.resolve("process_exit.jsonl"));
        kprobe = load(events.resolve("process_kprobe.jsonl"));
        rnd = new Random(seed);
        long samplePods = samplePods().count();
        podSuffixes = (int) Math.max(1, pods / Math.max(1, samplePods));
    }

    private List<ObjectNode> load(Path p) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(p)) {
            if (!l.isBlank()) {
                out.add((ObjectNode) mapper.readTree(l));
            }
        }
        return out;
    }

    public byte[] next() throws IOException {
        int roll = rnd.nextInt(100);
        List<ObjectNode> pool = roll < 40 ? exec : roll < 70 ? exit : kprobe;
        ObjectNode root = pool.get(rnd.nextInt(pool.size())).deepCopy();
        String node = "bench-node-" + rnd.nextInt(3);
        clock = clock.plusNanos(20_000 + rnd.nextInt(400_000));
        root.put("node_name", node);
        root.put("time", clock.toString());
        JsonNode body = root.elements().next();
        String parentExecId = vary(body.get("parent"), node, null);
        vary(body.get("process"), node, parentExecId);
        return mapper.writeValueAsBytes(root);
    }

    /** A pod the generated events can name: the samples' pods, each with every name suffix {@link #vary} makes. */
    public record PodRef(String namespace, String name, String containerId) {
    }

    public List<PodRef> pods() {
        java.util.Map<String, PodRef> out = new java.util.LinkedHashMap<>();
        samplePods().forEach(pod -> {
            for (int i = 0; i < podSuffixes; i++) {
                String name = pod.name() + "-" + Integer.toString(i, 36);
                out.putIfAbsent(pod.namespace() + "/" + name, new PodRef(pod.namespace(), name, pod.containerId()));
            }
        });
        return List.copyOf(out.values());
    }

    /** The distinct pods the samples name (process or parent), with the first container id seen for each. */
    private java.util.stream.Stream<PodRef> samplePods() {
        java.util.Map<String, PodRef> out = new java.util.LinkedHashMap<>();
        for (List<ObjectNode> pool : List.of(exec, exit, kprobe)) {
            for (ObjectNode root : pool) {
                JsonNode body = root.elements().next();
                for (JsonNode proc : List.of(body.path("process"), body.path("parent"))) {
                    JsonNode pod = proc.path("pod");
                    if (pod.hasNonNull("name") && pod.hasNonNull("namespace")) {
                        out.putIfAbsent(pod.get("namespace").asText() + "/" + pod.get("name").asText(),
                                new PodRef(pod.get("namespace").asText(), pod.get("name").asText(),
                                        pod.path("container").path("id").asText(null)));
                    }
                }
            }
        }
        return out.values().stream();
    }

    /** New pid, tid, exec_id and pod name on a process object; returns its exec_id. */
    private String vary(JsonNode n, String node, String parentExecId) {
        if (!(n instanceof ObjectNode p)) {
            return null;
        }
        int pid = 1000 + rnd.nextInt(4_000_000);
        ktime += 1000 + rnd.nextInt(3_000_000);
        String execId = Base64.getEncoder().encodeToString((node + ":" + ktime + ":" + pid)
                .getBytes(StandardCharsets.UTF_8));
        p.put("pid", pid).put("exec_id", execId);
        if (p.has("tid")) {
            p.put("tid", pid);
        }
        if (parentExecId != null && p.has("parent_exec_id")) {
            p.put("parent_exec_id", parentExecId);
        }
        if (p.get("pod") instanceof ObjectNode pod && pod.has("name")) {
            pod.put("name", pod.get("name").asText() + "-" + Integer.toString(rnd.nextInt(podSuffixes), 36));
        }
        return execId;
    }

    /** Writes {@code lines} lines to {@code out}, rotating like Tetragon at {@code rotateBytes} (0 = never). */
    public void write(Path out, long lines, long rotateBytes) throws IOException {
        try (LumberjackWriter w = new LumberjackWriter(out, rotateBytes <= 0 ? Long.MAX_VALUE : rotateBytes, 1000,
                false)) {
            for (long i = 0; i < lines; i++) {
                w.writeLine(next());
            }
        }
    }

    /** {@code SampleExportGenerator <samples dir> <out file> <lines> [rotate bytes]} */
    public static void main(String[] args) throws IOException {
        new SampleExportGenerator(Path.of(args[0]), 42).write(Path.of(args[1]), Long.parseLong(args[2]),
                args.length > 3 ? Long.parseLong(args[3]) : 0);
    }
}
