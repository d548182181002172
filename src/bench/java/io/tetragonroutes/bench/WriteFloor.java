package io.tetragonroutes.bench;

import io.tetragonroutes.sink.file.RotatingFile;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this machine's kernel charges one thread for writing the file sink's bytes: the floor under the sink's
 * system time. On the bench's VMs that floor moves by a factor of five: freed memory goes back to the host (the
 * balloon's free page reporting), and the first write to each page of it faults in the host, charged to the
 * writing thread (see README > Performance). A plain loop meets the same state of the machine as the app just did,
 * and writes the way the sink does: whole batches through the sink's {@link RotatingFile}, rotated at the app's
 * configured size with its backups, so the pages of deleted backups are written again as in the app.
 */
final class WriteFloor {

    private WriteFloor() {
    }

    /**
     * Kernel CPU seconds this thread spends appending {@code bytes} to a new file in {@code dir}, in batches of
     * {@code batchBytes}, rotated as the app with JVM options {@code appJvm} rotates; then deleted.
     */
    static double kernelSeconds(Path dir, long bytes, long batchBytes, String appJvm) throws IOException {
        Path floor = dir.resolve("write-floor");
        EndToEndBench.deleteTree(floor);
        RotatingFile file = new RotatingFile(floor.resolve("events.ndjson"),
                Long.parseLong(EndToEndBench.appSetting(appJvm, "tetragon.sink.file.max-size-mb")) << 20,
                Integer.parseInt(EndToEndBench.appSetting(appJvm, "tetragon.sink.file.max-backups")));
        byte[] batch = new byte[(int) Math.max(1, batchBytes)];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = i % 2000 == 1999 ? (byte) '\n' : (byte) ('a' + i % 26);
        }
        double before = systemSeconds();
        for (long left = bytes; left > 0; left -= batch.length) {
            file.append(new ByteArrayInputStream(batch), batch.length);
        }
        double seconds = systemSeconds() - before;
        EndToEndBench.deleteTree(floor);
        return seconds;
    }

    private static double systemSeconds() throws IOException {
        return AppProcess.systemSeconds(Files.readString(Path.of("/proc/thread-self/stat")));
    }
}
