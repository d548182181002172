package io.tetragonroutes.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.rules.SensitiveFileRule;
import io.tetragonroutes.sink.NdjsonFormatter;
import io.tetragonroutes.tail.LineBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.util.List;
import java.util.Set;

/**
 * The per-event steps after the tail, each on a batch of 1000 generated events and reported per event:
 * parse, the sensitive-file rule, NDJSON serialization, and the Jackson ceiling (readTree + writeValueAsBytes).
 */
@State(Scope.Benchmark)
public class HotPathBench {

    private static final int N = 1000;
    private final ObjectMapper mapper = new ObjectMapper();
    private List<byte[]> lines;
    private LineBatch batch;
    private EventParser parser;
    private SensitiveFileRule rule;
    private NdjsonFormatter ndjson;
    private EventBatch parsed;
    private EventBatch flagged;

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
        rule = new SensitiveFileRule(Set.of("/etc/shadow", "/etc/passwd", "/etc/kubernetes/admin.conf"), registry);
        ndjson = new NdjsonFormatter(mapper);
        parsed = parser.parse(batch);
        flagged = parser.parse(batch);
        rule.apply(flagged);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public EventBatch parse() {
        return parser.parse(batch);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public EventBatch rule() {
        rule.apply(parsed); // idempotent: flags the same events again
        return parsed;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public byte[] serializeNdjson() throws Exception {
        return ndjson.events(flagged);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void jacksonCeiling(Blackhole bh) throws Exception {
        for (byte[] l : lines) {
            bh.consume(mapper.writeValueAsBytes(mapper.readTree(l)));
        }
    }
}
