package io.tetragonroutes.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.enrich.K8sSettings;
import io.tetragonroutes.enrich.PodMetadataCache;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file in k8s/ as Kubernetes would take it: each overlay rendered (by our kustomize subset, and compared with
 * kubectl's kustomize where one is installed) and parsed with the fabric8 model, then held to what the app needs and
 * to the security rules: mounted paths equal configured paths, the ConfigMaps hold exactly the repository's routes,
 * rules and kamelets, RBAC covers exactly what the enrichment code watches, non-root and read-only everywhere, and
 * every kamelet a route or Pipe names exists.
 */
class ManifestsTest {

    private static final KubernetesSerialization K8S = new KubernetesSerialization();
    private static final List<String> OVERLAYS = List.of("parseable", "elasticsearch", "kafka", "hub");

    private static List<HasMetadata> typed(List<ObjectNode> docs) {
        List<HasMetadata> out = new ArrayList<>();
        for (ObjectNode d : docs) {
            HasMetadata r = K8S.unmarshal(d.toString(), HasMetadata.class);
            assertFalse(r instanceof GenericKubernetesResource, "unknown kind " + Kustomize.id(d));
            out.add(r);
        }
        return out;
    }

    private static <T> List<T> all(List<HasMetadata> rs, Class<T> type) {
        return rs.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static Map<String, String> env(List<HasMetadata> rs) {
        return all(rs, ConfigMap.class).stream().filter(c -> c.getMetadata().getName().equals("tetragon-routes-env"))
                .findFirst().orElseThrow().getData();
    }

    private static PodSpec podSpec(HasMetadata workload) {
        return workload instanceof DaemonSet d ? d.getSpec().getTemplate().getSpec()
                : ((Deployment) workload).getSpec().getTemplate().getSpec();
    }

    private static List<HasMetadata> workloads(List<HasMetadata> rs) {
        List<HasMetadata> w = new ArrayList<>(all(rs, DaemonSet.class));
        w.addAll(all(rs, Deployment.class));
        return w;
    }

    @Test
    void theBackfillJobRunsTheBackfillNonRootAndReadOnlyWithTheConfigMapsWhereTheEnvironmentSays() throws Exception {
        io.fabric8.kubernetes.api.model.batch.v1.Job job = K8S.unmarshal(
                Files.readString(Path.of("k8s/jobs/backfill.yaml")), io.fabric8.kubernetes.api.model.batch.v1.Job.class);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        var c = pod.getContainers().get(0);
        assertEquals("backfill", c.getArgs().get(0));
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        Map<String, String> mounts = new HashMap<>();
        c.getVolumeMounts().forEach(m -> mounts.put(m.getName(), m.getMountPath()));
        Map<String, String> env = env(typed(Kustomize.render(Path.of("k8s/common"))));
        assertEquals("file:" + mounts.get("routes") + "/*.yaml", env.get("CAMEL_MAIN_ROUTES_INCLUDE_PATTERN"));
        assertEquals(mounts.get("rules"), env.get("TETRAGON_RULES_PATH"));
        assertTrue(env.get("CAMEL_COMPONENT_KAMELET_LOCATION").startsWith("file:" + mounts.get("kamelets")));
        assertTrue(c.getArgs().subList(1, c.getArgs().size()).stream().allMatch(a -> a.startsWith(mounts.get("exports"))));
        assertTrue(pod.getVolumes().stream().noneMatch(v -> v.getHostPath() != null), "no host path");
    }

    @Test
    void everyOverlayRendersToKnownKindsAndAsKubectlRendersIt() throws Exception {
        for (String o : OVERLAYS) {
            Path dir = Path.of("k8s/overlays", o);
            List<ObjectNode> ours = Kustomize.render(dir);
            List<HasMetadata> rs = typed(ours);
            assertEquals(1, workloads(rs).size(), o + ": one workload");
            List<ObjectNode> theirs = Kustomize.kubectl(dir);
            if (theirs != null) {
                Map<String, JsonNode> a = new HashMap<>();
                ours.forEach(d -> a.put(Kustomize.id(d), d));
                Map<String, JsonNode> b = new HashMap<>();
                theirs.forEach(d -> b.put(Kustomize.id(d), d));
                assertEquals(b, a, o + ": our rendering differs from kubectl kustomize");
            }
        }
    }

    @Test
    void theAgentMountsExactlyThePathsTheAppIsConfiguredWith() throws Exception {
        List<HasMetadata> rs = typed(Kustomize.render(Path.of("k8s/base")));
        Map<String, String> env = env(rs);
        DaemonSet ds = all(rs, DaemonSet.class).get(0);
        PodSpec pod = podSpec(ds);
        Container c = pod.getContainers().get(0);
        Map<String, VolumeMount> mounts = new HashMap<>();
        c.getVolumeMounts().forEach(m -> mounts.put(m.getName(), m));
        Map<String, Volume> volumes = new HashMap<>();
        pod.getVolumes().forEach(v -> volumes.put(v.getName(), v));

        Properties app = new Properties();
        try (var in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            app.load(in);
        }
        assertEquals(app.getProperty("tetragon.export.path"), env.get("TETRAGON_EXPORT_PATH"),
                "the image's default export path is the one the DaemonSet mounts");
        String exportDir = Path.of(env.get("TETRAGON_EXPORT_PATH")).getParent().toString();
        assertEquals(exportDir, mounts.get("tetragon-export").getMountPath());
        assertEquals(exportDir, volumes.get("tetragon-export").getHostPath().getPath());
        assertTrue(mounts.get("tetragon-export").getReadOnly(), "the export is read-only");
        assertEquals(env.get("TETRAGON_DATA_DIR"), mounts.get("checkpoints").getMountPath());
        assertEquals(env.get("TETRAGON_DATA_DIR"), volumes.get("checkpoints").getHostPath().getPath(),
                "checkpoints on the host: a new pod resumes");
        assertEquals(env.get("TETRAGON_RULES_PATH"), mounts.get("rules").getMountPath());
        assertEquals("file:" + mounts.get("routes").getMountPath() + "/*.yaml",
                env.get("CAMEL_MAIN_ROUTES_INCLUDE_PATTERN"));
        assertEquals(mounts.get("routes").getMountPath(), env.get("CAMEL_MAIN_ROUTES_RELOAD_DIRECTORY"));
        assertTrue(env.get("CAMEL_COMPONENT_KAMELET_LOCATION").startsWith("file:" + mounts.get("kamelets").getMountPath() + ","));
        assertTrue(env.get("TETRAGON_SINK_ELASTICSEARCH_CA_FILE") == null);
        assertEquals("spec.nodeName", c.getEnv().stream().filter(e -> e.getName().equals("NODE_NAME")).findFirst()
                .orElseThrow().getValueFrom().getFieldRef().getFieldPath(), "NODE_NAME from the downward API");
        assertEquals(mounts.get("ca").getMountPath() + "/ca.crt", env(typed(Kustomize.render(
                Path.of("k8s/overlays/elasticsearch")))).get("TETRAGON_SINK_ELASTICSEARCH_CA_FILE"));
    }

    @Test
    void theConfigMapsHoldExactlyTheRepositorysRoutesRulesAndKamelets() throws Exception {
        for (String o : OVERLAYS) {
            List<HasMetadata> rs = typed(Kustomize.render(Path.of("k8s/overlays", o)));
            Map<String, ConfigMap> cms = new HashMap<>();
            all(rs, ConfigMap.class).forEach(c -> cms.put(c.getMetadata().getName(), c));
            assertFiles(cms.get("tetragon-routes-routes"), Path.of("routes"), ".yaml");
            assertFiles(cms.get("tetragon-routes-rules"), Path.of("routes/rules"), ".yaml");
            assertFiles(cms.get("tetragon-routes-kamelets"), Path.of("kamelets"), ".kamelet.yaml");
            for (HasMetadata w : workloads(rs)) {
                for (Volume v : podSpec(w).getVolumes()) {
                    if (v.getConfigMap() != null) {
                        assertNotNull(cms.get(v.getConfigMap().getName()), o + ": volume " + v.getName());
                    }
                }
                for (var from : podSpec(w).getContainers().get(0).getEnvFrom()) {
                    if (from.getConfigMapRef() != null) {
                        assertNotNull(cms.get(from.getConfigMapRef().getName()), o);
                    } else {
                        assertTrue(from.getSecretRef().getOptional(), o + ": secrets are the user's, optional");
                    }
                }
            }
        }
    }

    private static void assertFiles(ConfigMap cm, Path dir, String suffix) throws IOException {
        assertNotNull(cm, dir.toString());
        try (Stream<Path> files = Files.list(dir)) {
            Map<String, String> expected = new HashMap<>();
            for (Path f : files.filter(f -> f.toString().endsWith(suffix) && Files.isRegularFile(f)).toList()) {
                expected.put(f.getFileName().toString(), Files.readString(f));
            }
            assertEquals(expected, cm.getData(), cm.getMetadata().getName() + " = every " + suffix + " of " + dir);
        }
    }

    @Test
    void rbacGrantsExactlyWhatTheEnrichmentWatchesAndOnlyToRead() throws Exception {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        Set<String> watched = new TreeSet<>();
        try (KubernetesClient client = server.createClient();
             PodMetadataCache cache = new PodMetadataCache(client, new K8sSettings("n", false, Duration.ofSeconds(1),
                     10, List.of(), List.of(), List.of(), Duration.ZERO, true), new SimpleMeterRegistry(),
                     System::nanoTime)) {
            cache.start();
            await().atMost(Duration.ofSeconds(30)).until(cache::isSynced);
            int n = server.getRequestCount();
            Pattern core = Pattern.compile("^/api/v1/(?:namespaces/[^/]+/)?([a-z]+).*");
            Pattern group = Pattern.compile("^/apis/([a-z.]+)/[a-z0-9]+/(?:namespaces/[^/]+/)?([a-z]+).*");
            for (int i = 0; i < n; i++) {
                String path = server.takeRequest(1, TimeUnit.SECONDS).getPath();
                Matcher m = core.matcher(path);
                Matcher g = group.matcher(path);
                if (m.matches()) {
                    watched.add("/" + m.group(1));
                } else if (g.matches()) {
                    watched.add(g.group(1) + "/" + g.group(2));
                }
            }
        } finally {
            server.destroy();
        }
        ClusterRole role = all(typed(Kustomize.render(Path.of("k8s/base"))), ClusterRole.class).get(0);
        Set<String> granted = new TreeSet<>();
        for (PolicyRule r : role.getRules()) {
            assertEquals(Set.of("get", "list", "watch"), new HashSet<>(r.getVerbs()), "read only");
            assertTrue(r.getResourceNames() == null || r.getResourceNames().isEmpty());
            for (String g : r.getApiGroups()) {
                for (String res : r.getResources()) {
                    granted.add(g + "/" + res);
                }
            }
        }
        assertEquals(watched, granted, "the ClusterRole against the informers' requests");
    }

    @Test
    void everyWorkloadRunsNonRootReadOnlyWithoutCapabilitiesAndWithLimitsAndProbes() throws Exception {
        for (String o : OVERLAYS) {
            List<HasMetadata> rs = typed(Kustomize.render(Path.of("k8s/overlays", o)));
            int timeout = Integer.parseInt(env(rs).get("TETRAGON_SHUTDOWN_TIMEOUT_SECONDS"));
            for (HasMetadata w : workloads(rs)) {
                String where = o + " " + w.getMetadata().getName();
                PodSpec pod = podSpec(w);
                assertTrue(pod.getSecurityContext().getRunAsNonRoot(), where);
                assertTrue(pod.getSecurityContext().getRunAsUser() > 0, where);
                assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType(), where);
                assertTrue(pod.getTerminationGracePeriodSeconds() > timeout, where + ": drains before the kill");
                assertTrue(pod.getHostNetwork() == null || !pod.getHostNetwork(), where);
                assertTrue(pod.getHostPID() == null || !pod.getHostPID(), where);
                for (Container c : pod.getContainers()) {
                    var sc = c.getSecurityContext();
                    assertFalse(sc.getAllowPrivilegeEscalation(), where);
                    assertTrue(sc.getReadOnlyRootFilesystem(), where);
                    assertEquals(List.of("ALL"), sc.getCapabilities().getDrop(), where);
                    assertTrue(sc.getCapabilities().getAdd() == null || sc.getCapabilities().getAdd().isEmpty(), where);
                    assertTrue(sc.getPrivileged() == null || !sc.getPrivileged(), where);
                    assertNotNull(c.getResources().getLimits().get("memory"), where);
                    assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath(), where);
                    assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath(), where);
                }
                // the one exception: an init container that may only chown the checkpoint directory
                for (Container c : pod.getInitContainers() == null ? List.<Container>of() : pod.getInitContainers()) {
                    assertEquals(List.of("CHOWN"), c.getSecurityContext().getCapabilities().getAdd(), where);
                    assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), where);
                    assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), where);
                    assertEquals("chown", c.getCommand().get(0), where);
                }
                for (Volume v : pod.getVolumes()) {
                    if (v.getHostPath() != null) {
                        assertTrue(Set.of("/var/log/tetragon", "/var/lib/tetragon-routes")
                                .contains(v.getHostPath().getPath()), where + ": host path " + v.getHostPath().getPath());
                    }
                }
                if (w instanceof DaemonSet) {
                    assertTrue(pod.getTolerations().stream().anyMatch(t -> "Exists".equals(t.getOperator())),
                            where + ": on every node, as Tetragon");
                    assertEquals("true", ((DaemonSet) w).getSpec().getTemplate().getMetadata().getAnnotations()
                            .get("prometheus.io/scrape"));
                }
            }
        }
    }

    @Test
    void everyKameletARouteOrPipeNamesExistsAndEveryKameletIsAValidResource() throws Exception {
        Set<String> kamelets = new TreeSet<>();
        try (Stream<Path> files = Files.list(Path.of("kamelets"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".kamelet.yaml")).toList()) {
                JsonNode k = Kustomize.YAML.readTree(f.toFile());
                String name = f.getFileName().toString().replace(".kamelet.yaml", "");
                assertEquals("camel.apache.org/v1", k.path("apiVersion").asText(), f.toString());
                assertEquals("Kamelet", k.path("kind").asText(), f.toString());
                assertEquals(name, k.at("/metadata/name").asText(), f.toString());
                String type = k.at("/metadata/labels/camel.apache.org~1kamelet.type").asText();
                assertTrue(name.endsWith("-" + type), f + ": name ends with its type " + type);
                assertTrue(k.at("/spec/definition/title").isTextual() && k.at("/spec/template/from").isObject(), f.toString());
                k.at("/spec/definition/properties").fields().forEachRemaining(p -> assertTrue(
                        p.getValue().has("title") && p.getValue().has("description") && p.getValue().has("type"),
                        f + ": property " + p.getKey() + " has title, description and type"));
                kamelets.add(name);
            }
        }
        Pattern uri = Pattern.compile("kamelet:([a-z0-9-]+)");
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> r = Files.list(Path.of("routes")); Stream<Path> c = Files.list(Path.of("k8s/camel-k"))) {
            sources.addAll(r.filter(p -> p.toString().endsWith(".yaml")).toList());
            sources.addAll(c.toList());
        }
        int refs = 0;
        for (Path s : sources) {
            String text = Files.readString(s);
            Matcher m = uri.matcher(text);
            while (m.find()) {
                if (!m.group(1).equals("source") && !m.group(1).equals("sink")) {
                    assertTrue(kamelets.contains(m.group(1)), s + " names kamelet " + m.group(1));
                    refs++;
                }
            }
            for (JsonNode doc : Kustomize.YAML.readerFor(JsonNode.class).<JsonNode>readValues(s.toFile()).readAll()) {
                for (JsonNode ref : doc.findValues("ref")) {
                    if ("Kamelet".equals(ref.path("kind").asText())) {
                        assertTrue(kamelets.contains(ref.path("name").asText()), s + " refers to " + ref);
                        refs++;
                    }
                }
                if (doc.path("kind").asText().equals("Integration")) {
                    for (JsonNode src : doc.at("/spec/sources")) {
                        assertTrue(Files.exists(Path.of("routes", src.path("contentKey").asText())), s + ": " + src);
                    }
                }
            }
        }
        assertTrue(refs > 20, "references checked: " + refs);
    }
}
