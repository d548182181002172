package io.tetragonroutes.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The ceiling the issue names: one thread, Jackson readTree + writeValueAsBytes per line, over the same export.
 * It runs in its own JVM with the app's JVM options and is measured the way the app is: the whole process's CPU
 * (GC and JIT threads included) over the same kind of window: the lines after the first quarter of the first
 * {@code args[1]} lines it reads (the export's lines are alike throughout).
 * Prints one line: {@code events wallSeconds cpuSeconds} for that window.
 */
public final class CeilingLoop {

    private CeilingLoop() {
    }

    public static void main(String[] args) throws Exception {
        Path source = Path.of(args[0]);
        long max = Long.parseLong(args[1]);
        ObjectMapper mapper = new ObjectMapper();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long[] at = new long[3]; // events, nanoTime, process CPU ns at the end of the warm-up quarter
        long[] n = {0};
        EndToEndBench.forEachLine(source, max, (buf, off, len) -> {
            JsonNode tree = mapper.readTree(buf, off, len);
            if (mapper.writeValueAsBytes(tree).length > 0) {
                n[0]++;
            }
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
