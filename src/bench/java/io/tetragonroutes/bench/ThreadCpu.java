package io.tetragonroutes.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU seconds of a process by thread group, from /proc/PID/task/TID/stat: where the CPU of a window went. The
 * kernel knows a Java thread by the first 15 characters of its name, which is enough to tell the groups apart.
 * A thread that ends inside the window loses its share (the pipeline and the JVM's threads live as long as the app).
 */
final class ThreadCpu {

    /** The groups, first match wins; the last one takes the rest. */
    static final List<String> GROUPS = List.of("pipeline", "kafka client", "JIT", "GC and VM", "other");

    private ThreadCpu() {
    }

    static String group(String comm) {
        if (comm.startsWith("Camel (")) {
            return "pipeline"; // the tail thread runs every step of the route; Camel's other threads are idle
        }
        if (comm.startsWith("kafka-")) {
            return "kafka client";
        }
        if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
            return "JIT";
        }
        if (comm.startsWith("VM Thread") || comm.startsWith("GC ") || comm.startsWith("G1 ")) {
            return "GC and VM"; // the serial collector runs in the VM thread
        }
        return "other";
    }

    /** Thread id -> {group index, CPU seconds, of which system time} now. */
    static Map<Long, double[]> snapshot(long pid) throws IOException {
        Map<Long, double[]> out = new LinkedHashMap<>();
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> list = Files.list(tasks)) {
            for (Path t : list.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    out.put(Long.parseLong(t.getFileName().toString()),
                            new double[] {GROUPS.indexOf(group(comm)), AppProcess.cpuSeconds(stat),
                                    AppProcess.systemSeconds(stat)});
                } catch (NoSuchFileException gone) {
                    // the thread ended while we listed
                }
            }
        }
        return out;
    }

    /** CPU seconds per group between two snapshots, in {@link #GROUPS} order. */
    static double[] between(Map<Long, double[]> before, Map<Long, double[]> after) {
        return sum(before, after, 1);
    }

    /** The system time (in the kernel: system calls, page faults) of those CPU seconds, per group. */
    static double[] systemBetween(Map<Long, double[]> before, Map<Long, double[]> after) {
        return sum(before, after, 2);
    }

    private static double[] sum(Map<Long, double[]> before, Map<Long, double[]> after, int column) {
        double[] sum = new double[GROUPS.size()];
        after.forEach((tid, a) -> {
            double[] b = before.get(tid);
            sum[(int) a[0]] += a[column] - (b == null ? 0 : b[column]);
        });
        return sum;
    }
}
