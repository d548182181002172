package io.tetragonroutes.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tetragonroutes.bench.EndToEndBench.fmt;

/**
 * Two builds of the app side by side: this one and another (its {@code quarkus-run.jar}, routes and kamelets from
 * its own checkout), started together on copies of the same export, file sink, same enrichment. On a shared machine
 * whose speed drifts by tens of percent over minutes, runs one after the other cannot tell a 10% change from the
 * drift; two apps running at the same time meet the same drift, so the ratio of their costs holds still. Each pair
 * reports the pipeline thread's and the whole process's CPU per million events over the steady window (after the
 * first quarter of the export), and the ratio other / this. Which build starts first alternates.
 */
final class PairBench {

    private PairBench() {
    }

    /** {@code jvm}: this app's JVM options; {@code otherJvm}: the other's (the same unless comparing JVM settings). */
    static void run(Path jar, Path other, String jvm, String otherJvm, Path source, Path dir, BenchApi api, int runs)
            throws Exception {
        if (!Files.isRegularFile(other)) {
            throw new IllegalArgumentException("bench.pair: no such jar " + other);
        }
        List<String> props = api == null ? List.of() : api.appProperties();
        long size = Files.size(source);
        long lines = EndToEndBench.linesBefore(source, size);
        List<String> rows = new ArrayList<>(List.of(
                "| pair | pipeline, this | pipeline, other | other / this | process, this | process, other "
                        + "| other / this |",
                "|---|---|---|---|---|---|---|"));
        double[] pipelineRatios = new double[runs];
        double[] processRatios = new double[runs];
        for (int i = 0; i < runs; i++) {
            boolean otherFirst = i % 2 == 1;
            AppProcess[] apps = new AppProcess[2]; // [this, other]
            SteadyWindow[] windows = new SteadyWindow[2];
            try {
                for (int k = 0; k < 2; k++) {
                    int which = otherFirst ? 1 - k : k;
                    Path j = which == 0 ? jar : other;
                    Path run = dir.resolve("pair-" + (which == 0 ? "this" : "other"));
                    Path data = run.resolve("data");
                    apps[which] = start(j, which == 0 ? jvm : otherJvm, props, source, run, data);
                    windows[which] = new SteadyWindow(apps[which], data.resolve("checkpoints"), size, 0, null);
                }
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
                while (!(windows[0].poll() & windows[1].poll())) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("a pair not done in 30 minutes");
                    }
                    TimeUnit.MILLISECONDS.sleep(50); // sampling separate processes, not a test
                }
            } finally {
                for (AppProcess a : apps) {
                    if (a != null) {
                        a.close();
                    }
                }
            }
            double[] perMillion = new double[4]; // pipeline this, other; process this, other
            for (int w = 0; w < 2; w++) {
                double events = lines - EndToEndBench.linesBefore(source, windows[w].warmOffset);
                perMillion[w] = windows[w].byThread[0] / (events / 1e6); // the pipeline group
                perMillion[2 + w] = windows[w].process / (events / 1e6);
            }
            pipelineRatios[i] = perMillion[1] / perMillion[0];
            processRatios[i] = perMillion[3] / perMillion[2];
            String row = fmt("| %d%s | %.2f | %.2f | %.3f | %.2f | %.2f | %.3f |", i + 1,
                    otherFirst ? " (other first)" : "", perMillion[0], perMillion[1], pipelineRatios[i],
                    perMillion[2], perMillion[3], processRatios[i]);
            rows.add(row);
            System.out.println(row);
        }
        String table = String.join("\n", rows) + "\n\n" + String.join("\n",
                fmt("- other / this, median of %d pairs: pipeline %.3f (%.3f-%.3f), process %.3f (%.3f-%.3f)", runs,
                        median(pipelineRatios), min(pipelineRatios), max(pipelineRatios), median(processRatios),
                        min(processRatios), max(processRatios)),
                "- CPU seconds per million events over the steady window (after the first quarter of the export),"
                        + " from /proc; pipeline: the tail's thread, which runs every step of the route",
                fmt("- this: %s; other: %s", jar, other),
                fmt("- export: %,d lines; file sink; Kubernetes %s; JVM options: %s", lines,
                        api == null ? "off" : api.pods() + " pods in the mock API server",
                        jvm.equals(otherJvm) ? (jvm.isBlank() ? "(none)" : jvm)
                                : "this " + jvm + "; other " + otherJvm),
                EndToEndBench.machine());
        EndToEndBench.report(dir.resolve("pair.md"), "Pair benchmark", table);
    }

    /** The app of {@code jar} (routes and kamelets from its checkout) on a link to the export. */
    private static AppProcess start(Path jar, String jvm, List<String> props, Path source, Path run, Path data)
            throws Exception {
        Path export = EndToEndBench.exportIn(run, source);
        return AppProcess.start(jar, StartupBench.checkout(jar), jvm, props, export, data, run.resolve("app.log"));
    }

    /** The median of {@code v} (the mean of the middle two for an even count). */
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }
}
