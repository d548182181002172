package io.tetragonroutes.check;

import io.tetragonroutes.camel.TetragonKit;
import io.tetragonroutes.rules.RuleFiles;
import io.tetragonroutes.rules.RuleLoader;
import io.tetragonroutes.rules.RuleSet;
import io.tetragonroutes.rules.RuleTests;
import io.tetragonroutes.rules.RulesException;
import io.tetragonroutes.rules.parseable.ParseableAlerts;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar quarkus-run.jar check [--connect]}: loads the configuration, the routes, the kamelets they use, the
 * rules and Parseable alerts, and runs the rule tests, the way the app would at start, without opening the export or
 * calling any sink (no route is started). Prints what would run and every problem with its file and line; exit code 0
 * when there is none, 1 otherwise. {@code --connect} also tries each configured sink's address and credentials with a
 * read-only call ({@link SinkProbe}).
 * <p>
 * Configuration is what the app reads: {@code application.properties} on the classpath, then environment variables
 * ({@code TETRAGON_EXPORT_PATH}) and system properties ({@code -Dtetragon.export.path=...}) over it. Quarkus profiles
 * ({@code %demo.}) are not applied.
 */
public final class Check {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(?!\\?)([A-Za-z0-9._\\-]+)}}");

    private final PrintStream out;
    private final List<String> errors = new ArrayList<>();

    private Check(PrintStream out) {
        this.out = out;
    }

    public static int run(String[] args, PrintStream out) {
        boolean connect = List.of(args).contains("--connect");
        for (String a : args) {
            if (!a.equals("--connect")) {
                out.println("usage: check [--connect]   (unknown argument '" + a + "')");
                return 2;
            }
        }
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.getPropertiesComponent().setLocation("classpath:application.properties;optional=true");
            return new Check(out).run(camel, connect);
        } catch (Exception e) {
            out.println("check failed: " + e);
            return 1;
        }
    }

    private int run(CamelContext camel, boolean connect) throws Exception {
        TetragonKit kit = TetragonKit.of(camel);
        out.println("tetragon-routes check");
        out.println("export     " + kit.setting("tetragon.export.path").orElse("/var/log/tetragon/tetragon.log")
                + " (not opened; " + (enabled(kit, "tetragon.export.enabled", true) ? "tailed" : "off") + ")");
        out.println("data dir   " + kit.setting("tetragon.data.dir").orElse("data"));

        String kameletLocation = kit.setting("camel.component.kamelet.location").orElse("classpath:kamelets");
        KameletCheck kamelets = new KameletCheck(kameletLocation);
        routes(camel, kit, kamelets);
        out.println("kamelets   " + kamelets.used().size() + " used " + kamelets.used() + " from " + kameletLocation);
        sinks(kit);
        rules(camel, kit);
        if (connect) {
            out.println("connect");
            for (SinkProbe.Result r : SinkProbe.probeAll(kit)) {
                out.println("  " + r);
                if (!r.ok()) {
                    errors.add(r.sink() + ": " + r.detail());
                }
            }
        }
        if (errors.isEmpty()) {
            out.println("OK");
            return 0;
        }
        out.println(errors.size() + (errors.size() == 1 ? " problem:" : " problems:"));
        errors.forEach(e -> out.println("  " + e));
        return 1;
    }

    private static boolean enabled(TetragonKit kit, String key, boolean dflt) {
        return kit.setting(key).map(Boolean::parseBoolean).orElse(dflt);
    }

    private void routes(CamelContext camel, TetragonKit kit, KameletCheck kamelets) throws Exception {
        String pattern = kit.setting("camel.main.routes-include-pattern").orElse("file:routes/*.yaml");
        List<Resource> files = new ArrayList<>();
        for (String p : pattern.split(",")) {
            Collection<Resource> found = PluginHelper.getPackageScanResourceResolver(camel).findResources(p.trim());
            if (found.isEmpty()) {
                errors.add(p.trim() + ": no route files (camel.main.routes-include-pattern; run from the directory "
                        + "that holds routes/, or set CAMEL_MAIN_ROUTES_INCLUDE_PATTERN)");
            }
            files.addAll(found);
        }
        for (Resource r : files) {
            String text;
            try (var in = r.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            try {
                PluginHelper.getRoutesLoader(camel).loadRoutes(r);
            } catch (Exception e) {
                errors.add(r.getLocation() + ": " + rootMessage(e));
                continue;
            }
            errors.addAll(kamelets.check(r.getLocation(), new Load(LoadSettings.builder().build()).loadFromString(text)));
            placeholders(kit, r.getLocation(), text);
        }
        for (String name : kamelets.used()) {
            if (kamelets.kamelet(name) != null) {
                // the kamelets the kamelets themselves use
                errors.addAll(kamelets.check("kamelet " + name, kamelets.kamelet(name)));
            }
        }
        List<RouteDefinition> routes = ((ModelCamelContext) camel).getRouteDefinitions();
        out.println("routes     " + routes.size() + " from " + pattern);
        for (RouteDefinition d : routes) {
            String from = d.getInput() == null ? "" : d.getInput().getEndpointUri();
            out.printf("  %-22s %s%n", d.getRouteId() == null ? "(no id)" : d.getRouteId(),
                    from.contains("?") ? from.substring(0, from.indexOf('?')) : from);
        }
    }

    /** Every {@code {{key}}} without a default must resolve, as it must when the routes are created. */
    private void placeholders(TetragonKit kit, String source, String text) {
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            if (kit.setting(m.group(1)).isEmpty()) {
                int line = 1 + (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
                errors.add(source + ":" + line + ": property '" + m.group(1) + "' is not set and has no default");
            }
        }
    }

    private void sinks(TetragonKit kit) {
        out.println("sinks");
        sink("file", enabled(kit, "tetragon.sink.file.enabled", true) ? Optional.of(
                kit.setting("tetragon.data.dir").orElse("data") + "/out") : Optional.empty(), "tetragon.sink.file.enabled");
        sink("kafka", kit.setting("tetragon.sink.kafka.brokers"), "tetragon.sink.kafka.brokers");
        sink("parseable", kit.setting("tetragon.sink.parseable.url"), "tetragon.sink.parseable.url");
        sink("elasticsearch", kit.setting("tetragon.sink.elasticsearch.url"), "tetragon.sink.elasticsearch.url");
        sink("webhook", kit.setting("tetragon.sink.webhook.url").map(u -> SinkProbe.redact(u)),
                "tetragon.sink.webhook.url");
        sink("hub", enabled(kit, "tetragon.hub.enabled", false) ? kit.setting("tetragon.hub.brokers")
                .or(() -> Optional.of("(no tetragon.hub.brokers)")) : Optional.empty(), "tetragon.hub.enabled");
    }

    private void sink(String name, Optional<String> where, String key) {
        out.printf("  %-14s %s%n", name, where.map(w -> "on   " + w).orElse("off  (" + key + ")"));
    }

    private void rules(CamelContext camel, TetragonKit kit) {
        Optional<Path> path = kit.setting("tetragon.rules.path").map(Path::of);
        Optional<Path> parseable = kit.setting("tetragon.rules.parseable-alerts").map(Path::of);
        ScheduledExecutorService never = Executors.newSingleThreadScheduledExecutor(); // no alert target is called
        try {
            RuleLoader loader = new RuleLoader(kit::setting, camel,
                    io.tetragonroutes.rules.Durations.parse(kit.setting("tetragon.rules.alert-window").orElse("60s")));
            ParseableAlerts alerts = new ParseableAlerts(kit.setting("tetragon.rules.parseable-stream")
                    .orElse("tetragon"), never);
            RuleFiles files;
            RuleSet set;
            try {
                files = TetragonKit.ruleFiles(kit::setting, loader, alerts::load);
                set = files.load();
            } catch (RulesException | IllegalArgumentException e) {
                errors.add(e.getMessage());
                out.println("rules      not loaded: " + e.getMessage());
                return;
            }
            out.println("rules      " + set.size() + " loaded from " + files.describe());
            if (files.hasSigma()) {
                long sigma = set.rules().stream().filter(r -> r.source().startsWith(files.sigmaPath().toString())).count();
                out.println("sigma      " + sigma + " loaded, " + set.skipped().size() + " skipped");
                set.skippedByReason().forEach((reason, n) -> {
                    List<RuleSet.Skipped> these = set.skipped().stream().filter(x -> x.reason().equals(reason)).toList();
                    out.println("  skipped " + n + " (" + reason + "): " + these.get(0).detail());
                    these.forEach(x -> out.println("    " + x.source() + "  " + x.title()));
                });
            }
            if (path.isPresent()) {
                List<RuleTests.Case> tests;
                try {
                    tests = RuleTests.load(RuleLoader.files(path.get()));
                } catch (RulesException | java.io.IOException e) {
                    errors.add(e.getMessage());
                    return;
                }
                List<RuleTests.Failure> failures = RuleTests.run(tests, set);
                long failed = failures.stream().map(RuleTests.Failure::test).distinct().count();
                out.println("rule tests " + (tests.size() - failed) + " passed, " + failed + " failed");
                failures.forEach(f -> errors.add(f.toString()));
            }
            set.close();
        } finally {
            never.shutdownNow();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        StringBuilder s = new StringBuilder(String.valueOf(e.getMessage()));
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
            if (t.getMessage() != null && !s.toString().contains(t.getMessage())) {
                s.append(": ").append(t.getMessage());
            }
        }
        return s.toString().replace('\n', ' ');
    }
}
