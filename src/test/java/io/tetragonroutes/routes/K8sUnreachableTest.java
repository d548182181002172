package io.tetragonroutes.routes;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.tetragonroutes.enrich.K8sEnricher;
import io.tetragonroutes.enrich.K8sSettings;
import io.tetragonroutes.enrich.PodMetadataCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.tetragonroutes.enrich.K8sFixtures.execLine;
import static io.tetragonroutes.enrich.K8sFixtures.pod;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API server is not reachable when the kit starts: the pipeline still starts and ships every event (with
 * {@code kubernetes.pod_ref=miss}), and enrichment resumes by itself once the API server answers.
 */
@Timeout(120)
class K8sUnreachableTest extends KitRoutesTestSupport {

    private final int port = freePort();
    private KubernetesClient client;
    private PodMetadataCache cache;
    private KubernetesMockServer server;

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void close() {
        cache.close();
        client.close();
        if (server != null) {
            server.destroy();
        }
    }

    @Override
    protected K8sEnricher k8s() {
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + port)
                .withWatchReconnectInterval(200).withRequestRetryBackoffInterval(200).withNamespace("default")
                .build()).build();
        cache = new PodMetadataCache(client, new K8sSettings("node-a", false, Duration.ofSeconds(60), 1000,
                List.of("*"), List.of("*"), List.of(), Duration.ZERO, false), registry, System::nanoTime);
        cache.start();
        return new K8sEnricher(cache, registry);
    }

    private void append(String line) throws IOException {
        Files.createDirectories(export.getParent());
        Files.writeString(export, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private String podRefOf(String execId) throws IOException {
        var out = data.resolve("out/events.ndjson");
        if (!Files.exists(out)) {
            return null;
        }
        for (String l : Files.readAllLines(out)) {
            var e = mapper.readTree(l);
            if (e.at("/process_exec/process/exec_id").asText().equals(execId)) {
                return e.at("/kubernetes/pod_ref").asText();
            }
        }
        return null;
    }

    @Test
    void eventsPassUnenrichedWhileTheApiServerIsDownAndAreEnrichedOnceItAnswers() throws Exception {
        append(execLine("shop", "web-1", 7, 1));
        await().atMost(Duration.ofSeconds(30)).until(() -> "miss".equals(podRefOf("test-exec-1")));
        assertFalse(cache.isSynced());

        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), port);
        try (KubernetesClient admin = server.createClient()) {
            pod(admin, "shop", "web-1", "node-a", null, null, 7, Map.of("app", "web"), Map.of());
        }
        await().atMost(Duration.ofSeconds(60)).until(cache::isSynced);
        append(execLine("shop", "web-1", 7, 2));
        await().atMost(Duration.ofSeconds(30)).until(() -> "pod_ref".equals(podRefOf("test-exec-2")));
        assertTrue(registry.counter("tetragon.k8s.lookups", "result", "miss").count() >= 1);
    }
}
