package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.tetragonroutes.Samples;
import io.tetragonroutes.demo.DemoExport;
import io.tetragonroutes.sink.elasticsearch.CountingProxy;
import io.tetragonroutes.sink.elasticsearch.IntegrationTemplate;
import io.tetragonroutes.sink.elasticsearch.SearchNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped routes against a real search server (issue #29): {@link ElasticsearchClusterIT} and
 * {@link OpenSearchClusterIT} run the same tests. Each test writes into its own data stream or index, so they
 * share one server.
 */
@Timeout(300)
abstract class SearchClusterITSupport extends KitRoutesTestSupport {

    /** The integration's data streams: {@code logs-cilium_tetragon.log-<namespace>}, one namespace per test. */
    static final String INTEGRATION = "logs-cilium_tetragon.log-";
    private static volatile String test = "";
    private static CountingProxy proxy;

    @RegisterExtension
    static final BeforeEachCallback NAME = c -> test = c.getRequiredTestMethod().getName();

    protected abstract SearchNode node() throws Exception;

    private String target() {
        return switch (test) {
            case "dynamicMappingsTakeCollidingLabels" -> "tetragon-dynamic";
            case "setupInstallsItsTemplateAndLifecycle" -> "logs-tetragon.setup-default";
            case "setupNeverOverwritesAForeignTemplate" -> "logs-tetragon.foreign-default";
            default -> INTEGRATION + test.toLowerCase();
        };
    }

    @Override
    protected void properties(Properties p) {
        try {
            SearchNode node = node();
            boolean wrong = test.equals("aWrongPasswordIsReportedOnceAndNotSpunOn");
            if (wrong) {
                proxy = new CountingProxy(Integer.parseInt(node.url().substring(node.url().lastIndexOf(':') + 1)));
            }
            p.put("tetragon.sink.elasticsearch.url", wrong ? proxy.url() : node.url());
            if (node.secured()) {
                p.put("tetragon.sink.elasticsearch.username", node.username());
                p.put("tetragon.sink.elasticsearch.password", wrong ? "not-" + node.password() : node.password());
            }
            p.put("tetragon.sink.elasticsearch.index", target());
            p.put("tetragon.sink.elasticsearch.setup", String.valueOf(test.startsWith("setup")));
            p.put("tetragon.sink.elasticsearch.setup-retention", "7d");
            p.put("tetragon.export.batch-size", "200");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The integration's template, for every test's data stream, as Fleet would have installed it. */
    private void integrationTemplate() throws Exception {
        SearchNode.Answer a = node().call("PUT", "/_index_template/logs-cilium_tetragon.log",
                IntegrationTemplate.build(INTEGRATION + "*", node().name().equals("OpenSearch")).toString());
        assertEquals(200, a.status(), a.text());
    }

    /** Every real line: the samples, Elastic's pipeline fixtures, and pods labelled app and app.kubernetes.io/name. */
    private static List<String> realLines() {
        Set<String> lines = new LinkedHashSet<>();
        for (Path p : Samples.lineFiles()) {
            lines.addAll(Samples.lines(p));
        }
        lines.addAll(collidingLabels());
        return new ArrayList<>(lines);
    }

    /** Helm-installed pods carry both {@code app} and {@code app.kubernetes.io/name}: every event type with a pod. */
    static List<String> collidingLabels() {
        String pod = "\"pod\":{\"namespace\":\"shop\",\"name\":\"web-0\",\"container\":{\"id\":\"containerd://"
                + "0123456789abcdef\",\"name\":\"web\",\"image\":{\"id\":\"docker.io/library/nginx@sha256:"
                + "0f0e\",\"name\":\"docker.io/library/nginx:1.27\"}},\"pod_labels\":{\"app\":\"web\","
                + "\"app.kubernetes.io/name\":\"web\",\"app.kubernetes.io/instance\":\"shop\",\"helm.sh/chart\":"
                + "\"web-1.0\"},\"pod_annotations\":{\"kubectl.kubernetes.io/restartedAt\":\"2026-12-01\"},"
                + "\"workload\":\"web\",\"workload_kind\":\"StatefulSet\"}";
        String process = "{\"exec_id\":\"d2ViOjE6MQ==\",\"pid\":7,\"uid\":101,\"cwd\":\"/\",\"binary\":\"/usr/sbin/nginx\","
                + "\"arguments\":\"-g \\\"daemon off;\\\"\",\"start_time\":\"2026-12-06T00:00:00Z\"," + pod + "}";
        String parent = "{\"exec_id\":\"d2ViOjE6MA==\",\"pid\":1,\"uid\":0,\"binary\":\"/bin/sh\"," + pod + "}";
        String tail = ",\"node_name\":\"n1\",\"node_labels\":{\"tetragon.io/arch\":\"amd64\"},\"time\":\"2026-12-06T00:00:0";
        return List.of(
                "{\"process_exec\":{\"process\":" + process + ",\"parent\":" + parent + "}" + tail + "1Z\"}",
                "{\"process_exit\":{\"process\":" + process + ",\"parent\":" + parent + ",\"status\":1}" + tail + "2Z\"}",
                "{\"process_kprobe\":{\"process\":" + process + ",\"parent\":" + parent + ",\"function_name\":"
                        + "\"tcp_connect\",\"args\":[{\"sock_arg\":{\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\","
                        + "\"protocol\":\"IPPROTO_TCP\",\"saddr\":\"10.0.0.7\",\"daddr\":\"10.96.0.10\",\"sport\":41000,"
                        + "\"dport\":443}}],\"action\":\"KPROBE_ACTION_POST\"}" + tail + "3Z\"}",
                "{\"process_kprobe\":{\"process\":" + process + ",\"parent\":" + parent + ",\"function_name\":"
                        + "\"security_file_permission\",\"args\":[{\"file_arg\":{\"path\":\"/etc/shadow\","
                        + "\"permission\":\"-rw-r-----\"}},{\"int_arg\":4}],\"return\":{\"int_arg\":-13},"
                        + "\"action\":\"KPROBE_ACTION_POST\"}" + tail + "4Z\"}");
    }

    private void writeExport(List<String> lines, boolean append) throws IOException {
        Files.createDirectories(export.getParent());
        String text = String.join("\n", lines) + "\n";
        if (append) {
            Files.writeString(export, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } else {
            Path tmp = export.resolveSibling("export.tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, export, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private double meter(String name) {
        var c = registry.find(name).tag("sink", "elasticsearch").counter();
        return c == null ? 0 : c.count();
    }

    private long deadLetters() throws IOException {
        return lineCount(data.resolve("dead-letter/dead-letter.ndjson"));
    }

    private void awaitCount(String index, long n) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertEquals(n, node().count(index), "documents in " + index
                        + " (dead letters: " + deadLetters() + ")"));
    }

    @Test
    void theIntegrationsMappingsRefuseNothingAndARestartWithoutCheckpointDuplicatesNothing() throws Exception {
        integrationTemplate();
        List<String> lines = realLines();
        writeExport(lines, false);
        awaitCount(target(), lines.size());
        assertEquals(0, deadLetters(), "nothing refused");
        // the integration's constant_keyword fields: one value each in the whole data stream
        for (String[] f : new String[][]{{"event.module", "cilium_tetragon"}, {"event.dataset", "cilium_tetragon.log"},
                {"data_stream.type", "logs"}, {"data_stream.dataset", "cilium_tetragon.log"},
                {"data_stream.namespace", test.toLowerCase()}}) {
            JsonNode buckets = node().call("POST", "/" + target() + "/_search", "{\"size\":0,\"aggs\":{\"v\":{\"terms\":"
                    + "{\"field\":\"" + f[0] + "\",\"missing\":\"(none)\"}}}}").json().at("/aggregations/v/buckets");
            assertEquals(1, buckets.size(), f[0] + ": " + buckets);
            assertEquals(f[1], buckets.get(0).path("key").asText(), f[0]);
        }

        // the checkpoint is lost (a new hostPath, a re-read backup): every line is read and sent again
        List<String> tails = context.getRoutes().stream()
                .filter(r -> r.getEndpoint().getEndpointUri().startsWith("tetragon-tail:")).map(r -> r.getRouteId())
                .toList();
        assertEquals(1, tails.size(), "the tail's route (the file-source kamelet's)");
        context.getRouteController().stopRoute(tails.get(0));
        deleteTree(data.resolve("checkpoints"));
        context.getRouteController().startRoute(tails.get(0));
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() ->
                assertEquals((double) lines.size(), meter("tetragon.sink.duplicates"), "every line seen again"));
        assertEquals(lines.size(), node().count(target()), "one document per line");
        assertEquals(0, deadLetters(), "a duplicate is not a refusal");
    }

    @Test
    void dynamicMappingsTakeCollidingLabels() throws Exception {
        node().call("DELETE", "/" + target(), null);
        List<String> lines = realLines();
        writeExport(lines, false);
        awaitCount(target(), lines.size());
        assertEquals(0, deadLetters());
        JsonNode mapping = node().call("GET", "/" + target() + "/_mapping", null).json();
        assertTrue(mapping.toString().contains("tetragon_io/arch"), "node_labels' keys dedotted: " + mapping);
    }

    @Test
    void theServerStoppedMidStreamLosesNothing() throws Exception {
        integrationTemplate();
        DemoExport gen = new DemoExport(29, "outage-node");
        List<String> first = generated(gen, 200);
        writeExport(first, false);
        awaitCount(target(), first.size());
        node().stop();
        try {
            List<String> second = generated(gen, 300);
            writeExport(second, true);
            await().atMost(Duration.ofSeconds(60)).until(() -> meter("tetragon.sink.retries") > 0);
        } finally {
            node().start();
        }
        awaitCount(target(), 500);
        assertEquals(0, deadLetters());
        JsonNode ids = node().call("POST", "/" + target() + "/_search",
                "{\"size\":0,\"aggs\":{\"m\":{\"cardinality\":{\"field\":\"event.original\"}}}}").json();
        assertEquals(500, node().count(target()), "each line once: " + ids.at("/aggregations"));
    }

    @Test
    void aWrongPasswordIsReportedOnceAndNotSpunOn() throws Exception {
        if (!node().secured()) {
            return; // this server checks no credentials (OpenSearch's runner has no security plugin)
        }
        writeExport(generated(new DemoExport(30, "n"), 50), false);
        await().atMost(Duration.ofSeconds(30)).until(() -> proxy.requests() >= 1);
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(() -> proxy.requests() == 1);
        assertTrue(meter("tetragon.sink.retries") >= 1, "the batch waits and is retried without a request");
        assertEquals(0, deadLetters(), "nothing is lost");
        assertEquals(-1, node().count(target()), "nothing written");
        proxy.close();
    }

    @Test
    void setupInstallsItsTemplateAndLifecycle() throws Exception {
        String name = "tetragon-routes-logs-tetragon.setup";
        node().call("DELETE", "/_index_template/" + name, null);
        List<String> lines = collidingLabels();
        writeExport(lines, false);
        awaitCount(target(), lines.size());
        JsonNode t = node().call("GET", "/_index_template/" + name, null).json()
                .at("/index_templates/0/index_template");
        assertEquals("tetragon-routes", t.at("/_meta/managed_by").asText(), t.toString());
        assertEquals("logs-tetragon.setup-*", t.at("/index_patterns/0").asText());
        assertTrue(t.has("data_stream"));
        if (node().name().equals("Elasticsearch")) { // no ILM in this distribution: the data stream lifecycle
            assertEquals("7d", t.at("/template/lifecycle/data_retention").asText(), t.toString());
        } else {
            assertTrue(t.at("/template/lifecycle").isMissingNode(), "OpenSearch has no lifecycle the kit can set");
        }
        JsonNode props = node().call("GET", "/" + target() + "/_mapping", null).json().elements().next()
                .at("/mappings/properties");
        assertEquals("ip", props.at("/source/properties/ip/type").asText());
        assertEquals("date", props.at("/process/properties/start/type").asText());
        assertEquals("keyword", props.at("/orchestrator/properties/resource/properties/label/type").asText());
        assertEquals(0, deadLetters());
    }

    @Test
    void setupNeverOverwritesAForeignTemplate() throws Exception {
        String name = "tetragon-routes-logs-tetragon.foreign";
        SearchNode.Answer put = node().call("PUT", "/_index_template/" + name, "{\"index_patterns\":"
                + "[\"logs-tetragon.foreign-*\"],\"data_stream\":{},\"priority\":150,\"_meta\":{\"managed_by\":\"ops\"},"
                + "\"template\":{\"settings\":{\"number_of_replicas\":0},\"mappings\":{\"properties\":{\"ops_marker\":"
                + "{\"type\":\"keyword\"}}}}}");
        assertEquals(200, put.status(), put.text());
        List<String> lines = collidingLabels();
        writeExport(lines, false);
        awaitCount(target(), lines.size());
        JsonNode t = node().call("GET", "/_index_template/" + name, null).json().at("/index_templates/0/index_template");
        assertEquals("ops", t.at("/_meta/managed_by").asText(), "left as it was");
        assertEquals("keyword", t.at("/template/mappings/properties/ops_marker/type").asText());
    }

    private static List<String> generated(DemoExport gen, int n) {
        List<String> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (out.size() < n) {
            String l = new String(gen.next(), StandardCharsets.UTF_8);
            if (seen.add(l)) {
                out.add(l);
            }
        }
        return out;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
