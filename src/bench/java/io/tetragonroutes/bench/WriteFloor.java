package io.tetragonroutes.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What this machine's kernel charges one thread for writing bytes to a new file: the floor under the file sink's
 * system time. On the bench's VMs that floor moves by a factor of five: freed memory goes back to the host (the
 * balloon's free page reporting), and the first write to each page of it faults in the host, charged to the
 * writing thread (see README > Performance). A plain loop meets the same state of the machine as the app just did.
 */
final class WriteFloor {

    /** Bytes per write(2), Camel's file producer's default buffer size, as the file sink writes. */
    private static final int CHUNK = 128 << 10;

    private WriteFloor() {
    }

    /** Kernel CPU seconds this thread spends appending {@code bytes} to a new file in {@code dir}; then deleted. */
    static double kernelSeconds(Path dir, long bytes) throws IOException {
        Path file = dir.resolve("write-floor.tmp");
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
        while (chunk.hasRemaining()) {
            chunk.put((byte) ('a' + chunk.position() % 26));
        }
        double before = systemSeconds();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long left = bytes; left > 0; ) {
                chunk.clear().limit((int) Math.min(CHUNK, left));
                left -= out.write(chunk);
            }
        }
        double seconds = systemSeconds() - before;
        Files.delete(file);
        return seconds;
    }

    private static double systemSeconds() throws IOException {
        return AppProcess.systemSeconds(Files.readString(Path.of("/proc/thread-self/stat")));
    }
}
