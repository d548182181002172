package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.tetragonroutes.enrich.K8sEnricher;
import io.tetragonroutes.enrich.K8sSettings;
import io.tetragonroutes.enrich.PodMetadataCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static io.tetragonroutes.enrich.K8sFixtures.containerId;
import static io.tetragonroutes.enrich.K8sFixtures.execLine;
import static io.tetragonroutes.enrich.K8sFixtures.hostLine;
import static io.tetragonroutes.enrich.K8sFixtures.job;
import static io.tetragonroutes.enrich.K8sFixtures.namespace;
import static io.tetragonroutes.enrich.K8sFixtures.node;
import static io.tetragonroutes.enrich.K8sFixtures.pod;
import static io.tetragonroutes.enrich.K8sFixtures.replicaSet;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped routes with enrichment on, against fabric8's Kubernetes mock API server in CRUD mode (list, watch,
 * update, delete): owner chains, namespace and node labels, container-id-only events, host processes, pods created
 * after start, label updates, deletes followed by late events, and the node filter applied client-side (the mock,
 * like some proxies, ignores field selectors).
 */
@Timeout(120)
class K8sEnrichmentTest extends KitRoutesTestSupport {

    private static KubernetesMockServer server;
    private static KubernetesClient client;
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private PodMetadataCache cache;

    @BeforeAll
    static void startApi() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        namespace(client, "shop", Map.of("team", "web"));
        namespace(client, "batch", Map.of("team", "data"));
        node(client, "node-a", Map.of("topology.kubernetes.io/zone", "z1"));
        node(client, "node-b", Map.of("topology.kubernetes.io/zone", "z2"));
        replicaSet(client, "shop", "frontend-6c9b", "frontend");
        job(client, "batch", "report-29111", "report");
        pod(client, "shop", "frontend-6c9b-x1", "node-a", "ReplicaSet", "frontend-6c9b", 1,
                Map.of("app", "frontend"), Map.of("team.io/owner", "web",
                        "kubectl.kubernetes.io/last-applied-configuration", "{\"secret\":\"x\"}"));
        pod(client, "batch", "report-29111-q", "node-a", "Job", "report-29111", 2, Map.of("app", "report"), Map.of());
        pod(client, "shop", "elsewhere", "node-b", null, null, 3, Map.of("app", "other"), Map.of());
    }

    @AfterAll
    static void stopApi() {
        client.close();
        server.destroy();
    }

    @AfterEach
    void closeCache() {
        if (cache != null) {
            cache.close();
        }
    }

    @Override
    protected K8sEnricher k8s() {
        cache = new PodMetadataCache(client, new K8sSettings("node-a", false, Duration.ofSeconds(60), 1000,
                List.of("*"), List.of("*"), List.of("kubectl.kubernetes.io/last-applied-configuration"),
                Duration.ZERO, false), registry, clock::get); // the mock ignores field selectors: filter here
        cache.start();
        return new K8sEnricher(cache, registry);
    }

    private void append(String... lines) throws IOException {
        Files.createDirectories(export.getParent());
        Files.writeString(export, String.join("\n", lines) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The kubernetes object of the shipped event with this exec id (waits for it). */
    private JsonNode shipped(String execId) {
        Path out = data.resolve("out/events.ndjson");
        JsonNode[] found = new JsonNode[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            if (!Files.exists(out)) {
                return false;
            }
            for (String l : Files.readAllLines(out)) {
                JsonNode e = mapper.readTree(l);
                if (e.at("/process_exec/process/exec_id").asText().equals(execId)) {
                    found[0] = e.path("kubernetes");
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    @Test
    void eventsGetPodNamespaceNodeOwnerAndContainerMetadata() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(cache::isSynced);
        append(execLine("shop", "frontend-6c9b-x1", 1, 1), execLine("batch", "report-29111-q", 2, 2),
                execLine(null, null, 1, 3), hostLine(4), execLine("shop", "elsewhere", 3, 5));

        JsonNode k = shipped("test-exec-1");
        assertEquals("pod_ref", k.path("pod_ref").asText());
        assertEquals("frontend-6c9b-x1", k.at("/pod/name").asText());
        assertEquals(client.pods().inNamespace("shop").withName("frontend-6c9b-x1").get().getMetadata().getUid(),
                k.at("/pod/uid").asText());
        assertEquals("10.1.0.1", k.at("/pod/ip").asText());
        assertEquals("shop", k.path("namespace").asText());
        assertEquals("web", k.at("/namespace_labels/team").asText());
        assertEquals("frontend", k.at("/labels/app").asText());
        assertEquals("web", k.at("/annotations/team.io~1owner").asText());
        assertTrue(k.at("/annotations/kubectl.kubernetes.io~1last-applied-configuration").isMissingNode(),
                "excluded annotation kept out: " + k);
        assertEquals("node-a", k.at("/node/name").asText());
        assertEquals("z1", k.at("/node/labels/topology.kubernetes.io~1zone").asText());
        assertEquals("sa-frontend-6c9b-x1", k.path("service_account").asText());
        assertEquals("main", k.at("/container/name").asText());
        assertEquals("containerd://" + containerId(1), k.at("/container/id").asText());
        assertEquals("registry/app:1", k.at("/container/image").asText());
        assertEquals("Deployment", k.at("/workload/kind").asText(), "Pod -> ReplicaSet -> Deployment");
        assertEquals("frontend", k.at("/workload/name").asText());

        JsonNode cron = shipped("test-exec-2");
        assertEquals("CronJob", cron.at("/workload/kind").asText(), "Pod -> Job -> CronJob");
        assertEquals("report", cron.at("/workload/name").asText());

        JsonNode byContainer = shipped("test-exec-3");
        assertEquals("container_id", byContainer.path("pod_ref").asText(), "found from process.docker alone");
        assertEquals("frontend-6c9b-x1", byContainer.at("/pod/name").asText());

        JsonNode host = shipped("test-exec-4");
        assertEquals("miss", host.path("pod_ref").asText());
        assertTrue(host.path("pod").isMissingNode());

        JsonNode otherNode = shipped("test-exec-5");
        assertEquals("miss", otherNode.path("pod_ref").asText(), "another node's pod is not watched by this agent");
    }

    @Test
    void newPodsLabelUpdatesAndLateEventsAfterADelete() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(cache::isSynced);
        append(execLine("shop", "late-pod", 4, 10));
        assertEquals("miss", shipped("test-exec-10").path("pod_ref").asText(), "not created yet");

        pod(client, "shop", "late-pod", "node-a", "ReplicaSet", "frontend-6c9b", 4, Map.of("app", "late"), Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> cache.byPod("shop", "late-pod", null) != null);
        append(execLine("shop", "late-pod", 4, 11));
        assertEquals("late", shipped("test-exec-11").at("/labels/app").asText());

        client.pods().inNamespace("shop").withName("late-pod").edit(p -> new PodBuilder(p).editMetadata()
                .addToLabels("version", "v2").endMetadata().build());
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "v2".equals(cache.byPod("shop", "late-pod", null).tree().at("/labels/version").asText()));
        append(execLine("shop", "late-pod", 4, 12));
        assertEquals("v2", shipped("test-exec-12").at("/labels/version").asText(), "the label change shows next");

        client.pods().inNamespace("shop").withName("late-pod").delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> client.pods().inNamespace("shop").withName("late-pod")
                .get() == null);
        append(execLine("shop", "late-pod", 4, 13));
        assertEquals("late-pod", shipped("test-exec-13").at("/pod/name").asText(),
                "an exit after the delete is still enriched");

        clock.addAndGet(Duration.ofSeconds(61).toNanos());
        cache.expire();
        append(execLine("shop", "late-pod", 4, 14));
        assertEquals("miss", shipped("test-exec-14").path("pod_ref").asText(), "forgotten after the retention");
        assertFalse(registry.find("tetragon.k8s.lookups").tag("result", "pod_ref").counters().isEmpty());
    }
}
