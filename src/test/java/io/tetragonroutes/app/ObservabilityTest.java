package io.tetragonroutes.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Grafana dashboard and the alerting rules in {@code k8s/observability/} only use what the app exports: every
 * metric name their expressions name is on {@code /q/metrics} of the running app right after start (registered at
 * start, zero until it counts), and every label they select or group a metric by is one of its labels. The
 * Kubernetes cache's metrics exist only with enrichment on (off here) and are checked against the code's names.
 * Grafana and Prometheus themselves cannot run here.
 */
@QuarkusTest
@QuarkusTestResource(ExportDirResource.class)
class ObservabilityTest {

    /** Labels Prometheus adds from Kubernetes service discovery, not the app. */
    private static final Set<String> TARGET_LABELS = Set.of("namespace", "pod", "node", "instance", "job");
    /** Exported with enrichment on (PodMetadataCache, K8sEnricher): K8sEnrichmentTest reads them. */
    private static final Set<String> K8S = Set.of("tetragon_k8s_lookups_total", "tetragon_k8s_cache_pods",
            "tetragon_k8s_synced");
    private static final Pattern METRIC = Pattern.compile("\\b((?:tetragon|jvm)_[a-z0-9_]+)(\\{[^}]*})?");
    private static final Pattern SELECTOR_LABEL = Pattern.compile("([a-z_]+)\\s*(?:=~|!~|!=|=)");
    private static final Pattern BY = Pattern.compile("by \\(([^)]*)\\)");

    private static List<String> expressions() throws Exception {
        List<String> exprs = new ArrayList<>();
        JsonNode dash = new ObjectMapper().readTree(Path.of("k8s/observability/grafana-dashboard.json").toFile());
        dash.findValues("targets").forEach(ts -> ts.forEach(t -> exprs.add(t.path("expr").asText())));
        JsonNode rules = new YAMLMapper().readTree(Path.of("k8s/observability/prometheus-rules.yaml").toFile());
        rules.path("groups").forEach(g -> g.path("rules").forEach(r -> exprs.add(r.path("expr").asText())));
        return exprs;
    }

    @Test
    void everyMetricAndLabelTheDashboardAndAlertsUseIsExported() throws Exception {
        String scrape = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Map<String, Set<String>> exported = new HashMap<>();
        for (String line : scrape.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})?").matcher(line);
            if (m.find()) {
                Set<String> labels = exported.computeIfAbsent(m.group(1), k -> new TreeSet<>());
                if (m.group(3) != null) {
                    for (String kv : m.group(3).split(",")) {
                        labels.add(kv.split("=")[0]);
                    }
                }
            }
        }
        List<String> exprs = expressions();
        assertTrue(exprs.size() > 30, "expressions found: " + exprs.size());
        Set<String> used = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        for (String expr : exprs) {
            Matcher m = METRIC.matcher(expr);
            Set<String> inExpr = new HashSet<>();
            while (m.find()) {
                String name = m.group(1);
                used.add(name);
                inExpr.add(name);
                if (K8S.contains(name)) {
                    continue;
                }
                if (!exported.containsKey(name)) {
                    problems.add(name + " (in " + expr + ") is not exported");
                    continue;
                }
                if (m.group(2) != null) {
                    Matcher l = SELECTOR_LABEL.matcher(m.group(2));
                    while (l.find()) {
                        if (!TARGET_LABELS.contains(l.group(1)) && !exported.get(name).contains(l.group(1))) {
                            problems.add(name + " has no label " + l.group(1) + " (in " + expr + ")");
                        }
                    }
                }
            }
            Matcher by = BY.matcher(expr);
            while (by.find()) {
                for (String label : by.group(1).split(",")) {
                    String l = label.trim();
                    if (TARGET_LABELS.contains(l)) {
                        continue;
                    }
                    boolean somewhere = inExpr.stream().anyMatch(n -> K8S.contains(n)
                            || exported.getOrDefault(n, Set.of()).contains(l));
                    if (!somewhere) {
                        problems.add("no metric of " + expr + " has label " + l);
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
        // what the issue asks the dashboard and alerts to show
        assertTrue(used.containsAll(Set.of("tetragon_tail_lines_total", "tetragon_sink_events_total",
                "tetragon_dead_letters_total", "tetragon_export_lag_bytes", "tetragon_tail_rotations_total",
                "tetragon_tail_lost_files_total", "tetragon_sink_retries_total",
                "tetragon_tail_backpressure_seconds_total", "tetragon_alerts_total", "tetragon_k8s_lookups_total",
                "jvm_memory_used_bytes", "tetragon_rules_reloads_total")), used.toString());
        // the retries of each kit sink exist before any retry, with its output
        assertTrue(scrape.contains("tetragon_sink_retries_total{output=\"all\",sink=\"file\"} 0.0"), "zero until it counts");
        assertTrue(scrape.contains("tetragon_rules_reloads_total{result=\"failed\"} 0.0"));
    }

    @Test
    void thePrometheusRuleHoldsTheSameRulesAsTheRulesFile() throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        JsonNode file = yaml.readTree(Path.of("k8s/observability/prometheus-rules.yaml").toFile());
        JsonNode operator = yaml.readTree(Path.of("k8s/observability/prometheusrule.yaml").toFile());
        assertEquals("PrometheusRule", operator.path("kind").asText());
        assertEquals(file.path("groups"), operator.path("spec").path("groups"));
        Set<String> alerts = new TreeSet<>();
        file.path("groups").forEach(g -> g.path("rules").forEach(r -> alerts.add(r.path("alert").asText())));
        assertEquals(Set.of("TetragonRoutesExportFileLost", "TetragonRoutesExportLagGrowing",
                "TetragonRoutesSinkRetrying", "TetragonRoutesDeadLetters", "TetragonRoutesRulesReloadFailed",
                "TetragonRoutesNotReading"), alerts);
    }
}
