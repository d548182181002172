package io.tetragonroutes.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Lines generated from the real samples, shared by the JMH benchmarks. */
public final class BenchData {

    private BenchData() {
    }

    public static List<byte[]> lines(int n) throws IOException {
        SampleExportGenerator gen = new SampleExportGenerator(
                Path.of(System.getProperty("bench.samples", "../shared/tetragon-samples")), 42);
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(gen.next());
        }
        return out;
    }
}
