package io.tetragonroutes.sink.kafka;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class Lz4NativeTest {

    /** lz4-java bundles the native codec for the platforms CI and the image run on (linux amd64/aarch64). */
    @Test
    void nativeCodecLoads() {
        assertTrue(Lz4Native.load(), "lz4-java's native library did not load on " + System.getProperty("os.arch"));
    }
}
