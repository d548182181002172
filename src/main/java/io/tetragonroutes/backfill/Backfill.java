package io.tetragonroutes.backfill;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.camel.MeterCounts;
import io.tetragonroutes.camel.TetragonKit;
import io.tetragonroutes.rules.Durations;
import io.tetragonroutes.tail.BackfillPlan;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.camel.main.Main;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * {@code java -jar quarkus-run.jar backfill [--alerts] <file|directory|glob>...}: ships old Tetragon exports through
 * the same routes, rules and sinks as the agent (the configuration, routes and kamelets it would load), on plain Camel
 * Main, then exits. It never touches the live export or its checkpoint: the files are read by the tail's backfill
 * source ({@code tetragon-tail:backfill:<id>}) with checkpoints of their own, so a backfill stopped half way and run
 * again with the same arguments continues, and one run twice ships nothing the second time. Enrichment is off (the
 * pods of old events are gone), alerts carry {@code rule.backfill}, and the webhook is not called unless
 * {@code --alerts}. Exit codes: 0 done (every event accepted or dead-lettered), 1 a sink kept refusing for
 * {@code tetragon.backfill.stall-timeout} (5m), 2 bad arguments or a file that cannot be opened.
 */
public final class Backfill {

    private static final Pattern STAMP = Pattern.compile(
            ".*-(\\d{4}-\\d{2}-\\d{2})T(\\d{2})-(\\d{2})-(\\d{2}\\.\\d{3})\\.log(\\.gz)?$");

    private Backfill() {
    }

    public static int run(String[] args, PrintStream out) {
        boolean alerts = false;
        List<String> targets = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--alerts")) {
                alerts = true;
            } else if (a.startsWith("-")) {
                out.println("usage: backfill [--alerts] <file|directory|glob>...   (unknown option '" + a + "')");
                return 2;
            } else {
                targets.add(a);
            }
        }
        if (targets.isEmpty()) {
            out.println("usage: backfill [--alerts] <file|directory|glob>...");
            return 2;
        }
        List<Path> files;
        try {
            files = order(resolve(targets));
        } catch (IOException | IllegalArgumentException e) {
            out.println("backfill: " + e.getMessage());
            return 2;
        }
        if (files.isEmpty()) {
            out.println("backfill: no files in " + targets);
            return 2;
        }
        try {
            return new Backfill.Run(new BackfillPlan(files), alerts, out).run();
        } catch (Exception e) {
            out.println("backfill failed: " + e);
            return 1;
        }
    }

    /** Files, directories (every regular file below) and globs ({@code /exports/tetragon-*.log.gz}). */
    static List<Path> resolve(List<String> targets) throws IOException {
        Set<Path> out = new LinkedHashSet<>();
        for (String t : targets) {
            if (t.contains("*") || t.contains("?") || t.contains("[")) {
                Path glob = Path.of(t).toAbsolutePath();
                Path dir = glob.getParent();
                PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
                try (Stream<Path> s = Files.list(dir)) {
                    s.filter(Files::isRegularFile).filter(m::matches).forEach(out::add);
                }
                continue;
            }
            Path p = Path.of(t);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile).forEach(out::add);
                }
            } else if (Files.isRegularFile(p) && Files.isReadable(p)) {
                out.add(p);
            } else {
                throw new IllegalArgumentException("cannot open " + t + ": " + (Files.exists(p) ? "not readable"
                        : "no such file or directory"));
            }
        }
        for (Path p : out) {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException("cannot open " + p + ": not readable");
            }
        }
        return new ArrayList<>(out);
    }

    /** By the rotation stamp in Tetragon's backup names, else by the file's first event's time; then by name. */
    static List<Path> order(List<Path> files) {
        Map<Path, String> key = new TreeMap<>();
        for (Path p : files) {
            Matcher m = STAMP.matcher(p.getFileName().toString());
            key.put(p, m.matches() ? m.group(1) + "T" + m.group(2) + ":" + m.group(3) + ":" + m.group(4) + "Z"
                    : firstTime(p));
        }
        List<Path> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparing((Path p) -> key.get(p)).thenComparing(Path::toString));
        return sorted;
    }

    /** The {@code time} of the first line that has one (within the first few lines), or "~" to sort last. */
    private static String firstTime(Path p) {
        JsonFactory json = new JsonFactory();
        try (InputStream raw = Files.newInputStream(p);
             InputStream in = isGzip(p) ? new GZIPInputStream(raw) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (int i = 0; i < 10; i++) {
                String line = r.readLine();
                if (line == null) {
                    break;
                }
                try (JsonParser j = json.createParser(line)) {
                    if (j.nextToken() != JsonToken.START_OBJECT) {
                        continue;
                    }
                    while (j.nextToken() == JsonToken.FIELD_NAME) {
                        String name = j.currentName();
                        j.nextToken();
                        if (name.equals("time") && j.currentToken() == JsonToken.VALUE_STRING) {
                            return j.getText();
                        }
                        j.skipChildren();
                    }
                } catch (IOException bad) {
                    // a bad line: try the next
                }
            }
        } catch (IOException e) {
            // damaged: it sorts last, and reading it says what is wrong
        }
        return "~";
    }

    private static boolean isGzip(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /** One backfill: Camel Main with the app's configuration, the plan bound, progress until done. */
    private static final class Run {

        private final BackfillPlan plan;
        private final boolean alerts;
        private final PrintStream out;
        private final MeterRegistry meters = new SimpleMeterRegistry();

        Run(BackfillPlan plan, boolean alerts, PrintStream out) {
            this.plan = plan;
            this.alerts = alerts;
            this.out = out;
        }

        int run() throws Exception {
            Main main = new Main();
            main.addOverrideProperty("tetragon.export.path", plan.path());
            main.addOverrideProperty("tetragon.export.enabled", "true");
            main.addOverrideProperty("tetragon.export.start-at", "beginning");
            main.addOverrideProperty("tetragon.hub.enabled", "false");
            main.addOverrideProperty("tetragon.k8s.enabled", "false"); // the pods of old events are gone
            main.addOverrideProperty("tetragon.rules.reload-interval", "0s");
            main.addOverrideProperty("camel.main.routes-reload-enabled", "false");
            if (!alerts) {
                main.addOverrideProperty("tetragon.sink.webhook.url", "off"); // no page for old alerts
            }
            main.bind(BackfillPlan.BEAN, plan);
            main.bind(TetragonKit.METER_REGISTRY, meters);
            long gz = plan.files().stream().filter(p -> {
                try {
                    return isGzip(p);
                } catch (IOException e) {
                    return false;
                }
            }).count();
            out.printf("backfill %s: %d files (%d gzipped), %s on disk, from %s to %s%n", plan.id(),
                    plan.files().size(), gz, mb(plan.totalBytes()), plan.files().get(0).getFileName(),
                    plan.files().get(plan.files().size() - 1).getFileName());
            long started = System.nanoTime();
            main.start();
            if (plan.resumedAt() >= plan.files().size()) {
                out.println("backfill " + plan.id() + ": every file was shipped before (its checkpoint is at the end);"
                        + " nothing to do");
            } else if (plan.resumedAt() > 0 || plan.resumedOffset() > 0) {
                out.printf("backfill %s: continuing at file %d of %d, byte %d%n", plan.id(), plan.resumedAt() + 1,
                        plan.files().size(), plan.resumedOffset());
            }
            try {
                TetragonKit kit = TetragonKit.of(main.getCamelContext());
                Duration stall = Durations.parse(kit.setting("tetragon.backfill.stall-timeout").orElse("5m"));
                Duration every = Durations.parse(kit.setting("tetragon.backfill.progress-interval").orElse("10s"));
                int code = watch(started, stall, every);
                summary(started);
                return code;
            } finally {
                main.stop();
            }
        }

        private int watch(long started, Duration stall, Duration every) throws Exception {
            boolean terminal = System.console() != null && out == System.out;
            ProgressBar bar = terminal ? new ProgressBarBuilder().setTaskName("backfill").setInitialMax(plan.totalBytes())
                    .setUnit(" MB", 1 << 20).setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).showSpeed()
                    .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(out)).build() : null;
            try {
                long lastChange = System.nanoTime();
                double lastSeen = -1;
                long lastLine = System.nanoTime();
                while (true) {
                    boolean done = isDone();
                    double seen = plan.bytesRead() + count("tetragon.sink.events") + count("tetragon.dead.letters");
                    if (seen != lastSeen) {
                        lastSeen = seen;
                        lastChange = System.nanoTime();
                    }
                    if (bar != null) {
                        bar.stepTo(plan.bytesRead());
                        bar.setExtraMessage(" " + status(started));
                    } else if (done || System.nanoTime() - lastLine >= every.toNanos()) {
                        out.println(progressLine(started));
                        lastLine = System.nanoTime();
                    }
                    if (done) {
                        if (bar != null) {
                            bar.stepTo(plan.totalBytes());
                            bar.close();
                            bar = null;
                            out.println(progressLine(started));
                        }
                        return 0;
                    }
                    if (System.nanoTime() - lastChange > stall.toNanos()) {
                        out.println(progressLine(started));
                        out.println("backfill stopped: nothing was accepted for " + stall.toSeconds() + " s; "
                                + retries() + ". Run it again with the same arguments to continue where it stopped.");
                        return 1;
                    }
                    try {
                        plan.done().get(250, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException notYet) {
                        // next round of progress
                    }
                }
            } finally {
                if (bar != null) {
                    bar.close();
                }
            }
        }

        private boolean isDone() {
            return plan.done().isDone();
        }

        private String retries() {
            Map<String, Double> bySink = new TreeMap<>();
            meters.find("tetragon.sink.retries").counters().forEach(c -> {
                if (c.count() > 0) {
                    bySink.merge(c.getId().getTag("sink") + "/" + c.getId().getTag("output"), c.count(), Double::sum);
                }
            });
            return bySink.isEmpty() ? "no sink retried (see the log)" : "sinks retrying: " + bySink;
        }

        private double count(String name) {
            return meters.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
        }

        private String status(long started) {
            double secs = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
            double events = count("tetragon.events.parsed");
            double rate = events / secs;
            long left = plan.totalBytes() - plan.bytesRead();
            double bytesPerSec = plan.bytesRead() / secs;
            String eta = bytesPerSec > 0 ? (long) (left / bytesPerSec) + " s" : "?";
            return String.format("files %d/%d, %,.0f events/s, ETA %s, shipped %,.0f, dead letters %,.0f",
                    plan.filesDone(), plan.files().size(), rate, eta, shipped(), count("tetragon.dead.letters"));
        }

        private double shipped() {
            return meters.find("tetragon.sink.events").tag("output", "all").counters().stream()
                    .mapToDouble(c -> c.count()).max().orElse(0);
        }

        private String progressLine(long started) {
            double pct = plan.totalBytes() == 0 ? 100 : 100.0 * plan.bytesRead() / plan.totalBytes();
            return String.format("backfill %5.1f%% %s of %s, %s", pct, mb(plan.bytesRead()), mb(plan.totalBytes()),
                    status(started));
        }

        private void summary(long started) {
            Map<String, Long> byType = MeterCounts.byTag(meters, "tetragon.events.parsed", "type");
            Map<String, Long> dead = MeterCounts.byTag(meters, "tetragon.dead.letters", "reason");
            double secs = (System.nanoTime() - started) / 1e9;
            out.println("==== tetragon-routes backfill ====");
            out.printf("files      %d, %s on disk%n", plan.files().size(), mb(plan.totalBytes()));
            out.println("events     " + byType);
            out.printf("alerts     %,.0f (marked rule.backfill=%s%s)%n", count("tetragon.alerts"), plan.id(),
                    alerts ? ", sent to the webhook too" : "; the webhook was not called: --alerts");
            out.println("dead       " + dead);
            out.printf("shipped    %,.0f events%n", shipped());
            out.printf("rate       %,.0f events/s, %.2f s%n", count("tetragon.events.parsed") / Math.max(secs, 1e-3),
                    secs);
        }

        private static String mb(long bytes) {
            return String.format("%.1f MB", bytes / 1048576.0);
        }
    }
}
