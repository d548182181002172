package io.tetragonroutes.tail;

import io.tetragonroutes.bench.BenchData;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;

/** Cutting a byte stream into a batch of 1000 lines (the tail's share of the hot path), per line. */
@State(Scope.Benchmark)
public class LineSplitBench {

    private byte[] stream;
    private LineSplitter splitter;

    @Setup
    public void setup() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] l : BenchData.lines(1000)) {
            out.write(l);
            out.write('\n');
        }
        stream = out.toByteArray();
        splitter = new LineSplitter(1 << 20, Files.createTempDirectory("split"));
    }

    @Benchmark
    @OperationsPerInvocation(1000)
    public LineBatch split() throws Exception {
        splitter.reset("bench", 0);
        var ch = Channels.newChannel(new java.io.ByteArrayInputStream(stream));
        LineBatch.Builder b = LineBatch.builder();
        while (true) {
            if (splitter.next(b)) {
                continue;
            }
            if (splitter.fill(ch) <= 0) {
                break;
            }
        }
        return b.build();
    }
}
