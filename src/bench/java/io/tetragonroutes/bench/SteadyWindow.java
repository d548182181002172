package io.tetragonroutes.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The steady window of one app's run over an export: from the first checkpoint past a quarter of the file (the JIT
 * warm) to the checkpoint at its end. The app's CPU, also by thread, and a broker's are read at both edges.
 */
final class SteadyWindow {

    private final AppProcess app;
    private final Path checkpoints;
    private final long size;
    private final long brokerPid;
    private double processAtWarm;
    private Map<Long, double[]> threadsAtWarm;
    private double brokerAtWarm;
    private boolean done;
    /** Where the window starts (a line start), and when the edges were seen (System.nanoTime). */
    long warmOffset = -1;
    long warmAt;
    long doneAt;
    /** CPU seconds in the window: the app's, by {@link ThreadCpu#GROUPS}, and the broker's (NaN without one). */
    double process;
    double[] byThread;
    double broker = Double.NaN;

    /** {@code brokerPid}: a Kafka broker's process to read as well, or 0. */
    SteadyWindow(AppProcess app, Path checkpoints, long size, long brokerPid) {
        this.app = app;
        this.checkpoints = checkpoints;
        this.size = size;
        this.brokerPid = brokerPid;
    }

    /** Reads the window's edges as the app's checkpoint passes them; true once the export is read. */
    boolean poll() throws IOException {
        if (done) {
            return true;
        }
        app.checkAlive();
        long offset = EndToEndBench.checkpointOffset(checkpoints);
        if (warmOffset < 0 && offset >= size / 4 && offset < size) {
            warmAt = System.nanoTime();
            processAtWarm = app.cpuSeconds();
            threadsAtWarm = ThreadCpu.snapshot(app.pid());
            brokerAtWarm = brokerPid == 0 ? 0 : AppProcess.cpuSeconds(brokerPid);
            warmOffset = offset;
        }
        if (offset >= size) {
            if (warmOffset < 0) {
                throw new IllegalStateException("no checkpoint seen between a quarter and the end: use more lines");
            }
            doneAt = System.nanoTime();
            process = app.cpuSeconds() - processAtWarm;
            byThread = ThreadCpu.between(threadsAtWarm, ThreadCpu.snapshot(app.pid()));
            if (brokerPid != 0) {
                broker = AppProcess.cpuSeconds(brokerPid) - brokerAtWarm;
            }
            done = true;
        }
        return done;
    }
}
