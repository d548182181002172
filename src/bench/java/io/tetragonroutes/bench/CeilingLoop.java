package io.tetragonroutes.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The ceiling the issue names: one thread, Jackson readTree + writeValueAsBytes per line, over the same export.
 * It runs in its own JVM with the app's JVM options and is measured the way the app is: the whole process's CPU
 * (GC and JIT threads included).
 * <ul>
 * <li>{@code <export> <lines>}: reads the first {@code lines} lines once and prints one line,
 * {@code events wallSeconds cpuSeconds}, for the lines after the first quarter of them (the export's lines are
 * alike throughout).</li>
 * <li>{@code <export> <lines> alongside}: reads the first {@code lines} lines over and over until it is stopped, and
 * prints the count of lines done so far after every {@value #EVERY} ({@link CeilingAlongside} reads it).</li>
 * </ul>
 */
public final class CeilingLoop {

    static final int EVERY = 1000;

    private CeilingLoop() {
    }

    public static void main(String[] args) throws Exception {
        Path source = Path.of(args[0]);
        long max = Long.parseLong(args[1]);
        ObjectMapper mapper = new ObjectMapper();
        long[] n = {0};
        EndToEndBench.LineWork one = (buf, off, len) -> {
            JsonNode tree = mapper.readTree(buf, off, len);
            if (mapper.writeValueAsBytes(tree).length > 0) {
                n[0]++;
            }
        };
        if (args.length > 2 && args[2].equals("alongside")) {
            while (true) {
                EndToEndBench.forEachLine(source, max, (buf, off, len) -> {
                    one.line(buf, off, len);
                    if (n[0] % EVERY == 0) {
                        System.out.println(n[0]);
                    }
                });
            }
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long[] at = new long[3]; // events, nanoTime, process CPU ns at the end of the warm-up quarter
        EndToEndBench.forEachLine(source, max, (buf, off, len) -> {
            one.line(buf, off, len);
            if (at[1] == 0 && n[0] >= max / 4) {
                at[0] = n[0];
                at[1] = System.nanoTime();
                at[2] = os.getProcessCpuTime();
            }
        });
        double wall = (System.nanoTime() - at[1]) / 1e9;
        double cpu = (os.getProcessCpuTime() - at[2]) / 1e9;
        System.out.printf(Locale.ROOT, "%d %.3f %.3f%n", n[0] - at[0], wall, cpu);
    }
}
