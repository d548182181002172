package io.tetragonroutes.bench;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** fabric8's mock API server (CRUD) holding a pod for every pod the generated export names: a warm cache. */
final class BenchApi implements AutoCloseable {

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final int pods;

    private BenchApi(KubernetesMockServer server, KubernetesClient client, int pods) {
        this.server = server;
        this.client = client;
        this.pods = pods;
    }

    static BenchApi start(List<SampleExportGenerator.PodRef> refs) {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        KubernetesClient client = server.createClient();
        Set<String> namespaces = new LinkedHashSet<>();
        for (SampleExportGenerator.PodRef r : refs) {
            if (namespaces.add(r.namespace())) {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(r.namespace())
                        .addToLabels("team", "bench").endMetadata().build()).create();
            }
            client.pods().inNamespace(r.namespace()).resource(pod(r.namespace(), r.name(), r.containerId())).create();
        }
        return new BenchApi(server, client, refs.size());
    }

    /** A pod as a Deployment makes it: labels, an annotation, a ReplicaSet owner, one container (id with runtime). */
    static Pod pod(String ns, String name, String containerId) {
        return new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).withUid("uid-" + name)
                .addToLabels("app", name).addToAnnotations("team", "bench").withOwnerReferences(
                        new OwnerReferenceBuilder().withKind("ReplicaSet").withName(name + "-rs").withController(true)
                                .build()).endMetadata()
                .withNewSpec().withNodeName("bench-node").withServiceAccountName("default").endSpec()
                .withNewStatus().withPodIP("10.0.0.1").withContainerStatuses(new ContainerStatusBuilder()
                        .withName("main").withContainerID(containerId)
                        .withImage("app:1").build()).endStatus().build();
    }

    int pods() {
        return pods;
    }

    /** Enrichment on, cluster scope (the generated events come from three nodes), this server as the API. */
    List<String> appProperties() {
        return List.of("-Dtetragon.k8s.enabled=true", "-Dtetragon.k8s.scope=cluster",
                "-Dquarkus.kubernetes-client.api-server-url=" + client.getMasterUrl());
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
