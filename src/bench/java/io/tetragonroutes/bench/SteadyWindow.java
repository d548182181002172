package io.tetragonroutes.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The steady window of one app's run over an export: from the first checkpoint past a quarter of the file (the JIT
 * warm) to the checkpoint at its end. The app's CPU, also by thread, and a broker's are read at both edges, and so
 * are the count and CPU of a ceiling loop running alongside.
 */
final class SteadyWindow {

    private final AppProcess app;
    private final Path checkpoints;
    private final long size;
    private final long brokerPid;
    private final CeilingAlongside ceiling;
    private double processAtWarm;
    private Map<Long, double[]> threadsAtWarm;
    private double brokerAtWarm;
    private long ceilingEventsAtWarm;
    private double ceilingCpuAtWarm;
    private boolean done;
    /** Where the window starts (a line start), and when the edges were seen (System.nanoTime). */
    long warmOffset = -1;
    long warmAt;
    long doneAt;
    /** CPU seconds in the window: the app's, by {@link ThreadCpu#GROUPS}, and the broker's (NaN without one). */
    double process;
    double[] byThread;
    /** The system time of {@link #byThread}: in the kernel, for system calls and page faults. */
    double[] systemByThread;
    double broker = Double.NaN;
    /** The ceiling's events per CPU-second in the window (NaN without one). */
    double ceilingRate = Double.NaN;

    /**
     * {@code brokerPid}: a Kafka broker's process to read as well, or 0; {@code ceiling}: a ceiling loop running
     * alongside, or null.
     */
    SteadyWindow(AppProcess app, Path checkpoints, long size, long brokerPid, CeilingAlongside ceiling) {
        this.app = app;
        this.checkpoints = checkpoints;
        this.size = size;
        this.brokerPid = brokerPid;
        this.ceiling = ceiling;
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
            if (ceiling != null) {
                ceilingEventsAtWarm = ceiling.events();
                ceilingCpuAtWarm = ceiling.cpuSeconds();
            }
            warmOffset = offset;
        }
        if (offset >= size) {
            if (warmOffset < 0) {
                throw new IllegalStateException("no checkpoint seen between a quarter and the end: use more lines");
            }
            doneAt = System.nanoTime();
            process = app.cpuSeconds() - processAtWarm;
            Map<Long, double[]> threads = ThreadCpu.snapshot(app.pid());
            byThread = ThreadCpu.between(threadsAtWarm, threads);
            systemByThread = ThreadCpu.systemBetween(threadsAtWarm, threads);
            if (brokerPid != 0) {
                broker = AppProcess.cpuSeconds(brokerPid) - brokerAtWarm;
            }
            if (ceiling != null) {
                ceilingRate = (ceiling.events() - ceilingEventsAtWarm) / (ceiling.cpuSeconds() - ceilingCpuAtWarm);
            }
            done = true;
        }
        return done;
    }
}
