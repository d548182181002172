package io.tetragonroutes.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.enrich.K8sEnricher;
import io.tetragonroutes.enrich.PodMetadataCache;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.rules.RulesEngine;
import io.tetragonroutes.sink.NdjsonFormatter;
import io.tetragonroutes.tail.LineBatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The route's steps on fresh lines: parse, enrich (every pod the export names preloaded), the default rule pack and
 * NDJSON, one after the other on each batch of 1000 lines of the export, in one thread, without Camel, the tail or a
 * sink's I/O. JMH ({@link HotPathBench}) repeats one batch, so its lines, trees and pod cache entries stay in the
 * CPU's caches; here every batch is new, as in the app. The Jackson ceiling runs on every other batch in the same
 * loop, so both meet the same drift. Prints one line: the ns per event of each step and of the ceiling, after the
 * first quarter of the {@code args[1]} lines.
 */
public final class StepLoop {

    private static final int BATCH = 1000;

    private StepLoop() {
    }

    public static void main(String[] args) throws Exception {
        Path source = Path.of(args[0]);
        long max = Long.parseLong(args[1]);
        ObjectMapper mapper = new ObjectMapper();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EventParser parser = new EventParser(mapper, registry);
        RulesEngine rules = HotPathBench.engine(Path.of("routes/rules"), registry);
        PodMetadataCache cache = HotPathBench.emptyPodCache(registry);
        List<Pod> pods = new ArrayList<>();
        for (var r : new SampleExportGenerator(Path.of(args[2]), 42, Integer.parseInt(args[3])).pods()) {
            pods.add(BenchApi.pod(r.namespace(), r.name(), r.containerId()));
        }
        cache.preload(pods);
        K8sEnricher enricher = new K8sEnricher(cache, registry);
        NdjsonFormatter ndjson = new NdjsonFormatter(mapper);
        byte[] scratch = new byte[128 * 1024];
        long[] ns = new long[5]; // parse, enrich, rules, ndjson, ceiling
        long[] counted = new long[2]; // events through the steps, through the ceiling
        long[] seen = {0};
        List<byte[]> ceilingLines = new ArrayList<>(BATCH);
        LineBatch.Builder[] lines = {LineBatch.builder()};
        EndToEndBench.forEachLine(source, max, (buf, off, len) -> {
            seen[0]++;
            boolean steps = (seen[0] - 1) / BATCH % 2 == 0;
            if (steps) {
                lines[0].add(buf, off, len, "export", 0); // copied into the batch's chunks, as the tail does
            } else {
                ceilingLines.add(java.util.Arrays.copyOfRange(buf, off, off + len));
            }
            if (seen[0] % BATCH != 0) {
                return;
            }
            boolean warm = seen[0] > max / 4;
            if (steps) {
                LineBatch batch = lines[0].build();
                lines[0] = LineBatch.builder();
                long t0 = System.nanoTime();
                EventBatch events = parser.parse(batch);
                long t1 = System.nanoTime();
                enricher.enrich(events);
                long t2 = System.nanoTime();
                rules.apply(events);
                long t3 = System.nanoTime();
                int out = HotPathBench.readOut(ndjson.stream(events), scratch);
                long t4 = System.nanoTime();
                if (out == 0 || events.size() != BATCH) {
                    throw new IllegalStateException("a batch of " + events.size() + " events");
                }
                if (warm) {
                    ns[0] += t1 - t0;
                    ns[1] += t2 - t1;
                    ns[2] += t3 - t2;
                    ns[3] += t4 - t3;
                    counted[0] += BATCH;
                }
            } else {
                long t0 = System.nanoTime();
                long bytes = 0;
                for (byte[] l : ceilingLines) {
                    bytes += mapper.writeValueAsBytes(mapper.readTree(l)).length;
                }
                long t1 = System.nanoTime();
                ceilingLines.clear();
                if (bytes == 0) {
                    throw new IllegalStateException("nothing written");
                }
                if (warm) {
                    ns[4] += t1 - t0;
                    counted[1] += BATCH;
                }
            }
        });
        if (counted[0] == 0 || counted[1] == 0) {
            throw new IllegalStateException("no batch after the first quarter of " + max + " lines: use more lines");
        }
        System.out.printf(Locale.ROOT, "%d %d %d %d %d %d %d%n", counted[0], counted[1],
                ns[0] / counted[0], ns[1] / counted[0], ns[2] / counted[0], ns[3] / counted[0], ns[4] / counted[1]);
    }
}
