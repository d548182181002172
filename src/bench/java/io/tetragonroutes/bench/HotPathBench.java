package io.tetragonroutes.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.tetragonroutes.enrich.K8sEnricher;
import io.tetragonroutes.enrich.K8sSettings;
import io.tetragonroutes.enrich.PodMetadataCache;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonGenerator;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.sink.elasticsearch.EcsDocument;
import io.tetragonroutes.sink.parseable.ParseableFlattener;
import java.io.ByteArrayOutputStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.rules.AlertThrottle;
import io.tetragonroutes.rules.RuleFiles;
import io.tetragonroutes.rules.RuleLoader;
import io.tetragonroutes.rules.RulesEngine;
import io.tetragonroutes.sink.NdjsonFormatter;
import io.tetragonroutes.tail.LineBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The per-event steps after the tail, each on a batch of 1000 generated events and reported per event:
 * parse, the rules step (one rule; the default pack; the default pack plus 100 user rules), serialization for the
 * file/Kafka sinks (NDJSON), Elasticsearch (ECS mapping + JSON) and Parseable (flattened), and the Jackson ceiling (readTree + writeValueAsBytes).
 */
@State(Scope.Benchmark)
public class HotPathBench {

    private static final int N = 1000;
    private final ObjectMapper mapper = new ObjectMapper();
    private List<byte[]> lines;
    private LineBatch batch;
    private EventParser parser;
    private RulesEngine oneRule;
    private RulesEngine defaultPack;
    private RulesEngine defaultPlus100;
    private RulesEngine defaultPlusSigma;
    private NdjsonFormatter ndjson;
    private EventBatch parsed;
    private EventBatch flagged;
    private K8sEnricher enricher;
    private final EcsDocument ecs = new EcsDocument(false, "logs-cilium_tetragon.log-default");
    private final ParseableFlattener flattener = new ParseableFlattener(mapper);
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(4 << 20);
    private final byte[] scratch = new byte[128 * 1024];

    @Setup
    public void setup() throws Exception {
        lines = BenchData.lines(N);
        LineBatch.Builder b = LineBatch.builder();
        long off = 0;
        for (byte[] l : lines) {
            b.add(l, 0, l.length, "bench", off);
            off += l.length + 1;
        }
        batch = b.build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        parser = new EventParser(mapper, registry);
        Path dir = Files.createTempDirectory("bench-rules");
        Path one = Files.createDirectories(dir.resolve("one"));
        Files.writeString(one.resolve("one.yaml"), """
                rules:
                  - id: shadow
                    match: {field: "*.args[*].file_arg.path", in: [/etc/shadow, /etc/passwd]}
                    actions: [alert]
                """);
        Path pack = Files.createDirectories(dir.resolve("pack"));
        Files.copy(Path.of("routes/rules/default.yaml"), pack.resolve("default.yaml"));
        Path plus = Files.createDirectories(dir.resolve("plus100"));
        Files.copy(Path.of("routes/rules/default.yaml"), plus.resolve("default.yaml"));
        Files.writeString(plus.resolve("user.yaml"), userRules());
        oneRule = engine(one, registry);
        Path sigma = Path.of(System.getProperty("bench.sigma", "../shared/sigma/rules"));
        defaultPlusSigma = Files.isDirectory(sigma) ? engine(pack, sigma, registry) : null;
        defaultPack = engine(pack, registry);
        defaultPlus100 = engine(plus, registry);
        ndjson = new NdjsonFormatter(mapper);
        parsed = parser.parse(batch);
        flagged = parser.parse(batch);
        defaultPack.apply(flagged);
        enricher = new K8sEnricher(podCache(parsed, registry), registry);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public EventBatch parse() {
        return parser.parse(batch);
    }

    /** The pods the events name, plus filler up to 20,000: enrichment must not cost more with a bigger cache. */
    private static PodMetadataCache podCache(EventBatch events, SimpleMeterRegistry registry) {
        PodMetadataCache cache = emptyPodCache(registry);
        Map<String, Pod> pods = new HashMap<>();
        for (TetragonEvent e : events.list()) {
            JsonNode pod = e.process().path("pod");
            if (pod.hasNonNull("name")) {
                String key = pod.path("namespace").asText() + "/" + pod.path("name").asText();
                pods.putIfAbsent(key, BenchApi.pod(pod.path("namespace").asText(), pod.path("name").asText(),
                        pod.path("container").path("id").asText(null)));
            }
        }
        for (int i = 0; pods.size() < 20_000; i++) {
            pods.put("filler/" + i, BenchApi.pod("filler", "pod-" + i, "containerd://" + String.format("%064x", i)));
        }
        cache.preload(pods.values());
        return cache;
    }

    /** A pod cache with no API server (filled by {@code preload}), every label and annotation kept. */
    static PodMetadataCache emptyPodCache(SimpleMeterRegistry registry) {
        return new PodMetadataCache(null, new K8sSettings(null, true, Duration.ofSeconds(60), 50_000, List.of("*"),
                List.of("*"), List.of(), Duration.ZERO, true), registry, System::nanoTime);
    }

    /** The rules of a directory, with private ranges as the internal networks. */
    static RulesEngine engine(Path rules, SimpleMeterRegistry registry) {
        RuleLoader loader = new RuleLoader(k -> Optional.of("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"), null,
                Duration.ofSeconds(60));
        return new RulesEngine(new RuleFiles(rules, null, loader, null), registry, new AlertThrottle(10_000, System::nanoTime));
    }

    /** The rules of a directory and the Sigma rules below {@code sigma}, as the kit's settings build them. */
    static RulesEngine engine(Path rules, Path sigma, SimpleMeterRegistry registry) {
        Map<String, String> settings = Map.of("tetragon.rules.internal-cidrs", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16",
                "tetragon.rules.path", rules.toString(), "tetragon.rules.sigma-path", sigma.toString());
        RuleLoader loader = new RuleLoader(k -> java.util.Optional.ofNullable(settings.get(k)), null,
                Duration.ofSeconds(60));
        return new RulesEngine(io.tetragonroutes.camel.TetragonKit.ruleFiles(k -> java.util.Optional.ofNullable(
                settings.get(k)), loader, null), registry, new AlertThrottle(10_000, System::nanoTime));
    }

    /**
     * 100 rules shaped like users write them: 50 on kprobe functions (indexed by function), 30 on exec binaries
     * and pods (indexed by type), 20 on any event (tested on every event).
     */
    static String userRules() {
        StringBuilder y = new StringBuilder("rules:\n");
        for (int i = 0; i < 50; i++) {
            y.append("""
                      - id: user-kprobe-%1$d
                        severity: low
                        match:
                          all:
                            - {field: process_kprobe.function_name, equals: user_fn_%1$d}
                            - {field: "process_kprobe.args[*].file_arg.path", prefix: [/srv/app-%1$d/, /data/%1$d/]}
                        actions: [tag]
                    """.formatted(i));
        }
        for (int i = 0; i < 30; i++) {
            y.append("""
                      - id: user-exec-%1$d
                        severity: medium
                        match:
                          all:
                            - {type: process_exec}
                            - {field: process_exec.process.binary, suffix: [/tool-%1$d, /helper-%1$d]}
                            - {field: process_exec.process.pod.namespace, in: [team-%1$d, prod-%1$d]}
                        actions: [alert]
                    """.formatted(i));
        }
        for (int i = 0; i < 20; i++) {
            y.append("""
                      - id: user-any-%1$d
                        match:
                          any:
                            - {field: "*.process.pod.pod_labels.app", equals: legacy-%1$d}
                            - {field: "*.process.cwd", prefix: /opt/vendor-%1$d/}
                        actions: [{route: [audit]}]
                    """.formatted(i));
        }
        return y.toString();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public EventBatch rulesOneRule() {
        oneRule.apply(parsed); // re-flags the same events: the same work each time
        return parsed;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public EventBatch rulesDefaultPack() {
        defaultPack.apply(parsed);
        return parsed;
    }

    /** The default pack and every SigmaHQ Linux rule of ../shared/sigma (132 load). */
    @Benchmark
    @OperationsPerInvocation(N)
    public EventBatch rulesDefaultPackPlusSigma() {
        defaultPlusSigma.apply(parsed);
        return parsed;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public EventBatch rulesDefaultPackPlus100() {
        defaultPlus100.apply(parsed);
        return parsed;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public int serializeNdjson() throws Exception {
        return readOut(ndjson.stream(flagged), scratch);
    }

    /** Reads a stream as the file producer does, into its 128 KB buffer (camel-file's bufferSize); the bytes read. */
    static int readOut(java.io.InputStream stream, byte[] scratch) throws java.io.IOException {
        int n = 0;
        try (java.io.InputStream in = stream) {
            for (int r; (r = in.read(scratch)) > 0; ) {
                n += r;
            }
        }
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public EventBatch enrich() {
        enricher.enrich(parsed); // warm cache of 20,000 pods: one map read per event, the object reused
        return parsed;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public int serializeEcsBulk() throws Exception {
        out.reset();
        for (TetragonEvent e : flagged.list()) {
            ecs.write(e, out);
        }
        return out.size();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public int serializeParseableFlattened() throws Exception {
        out.reset();
        for (TetragonEvent e : flagged.list()) {
            try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
                flattener.write(e, g);
            }
        }
        return out.size();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void jacksonCeiling(Blackhole bh) throws Exception {
        for (byte[] l : lines) {
            bh.consume(mapper.writeValueAsBytes(mapper.readTree(l)));
        }
    }
}
