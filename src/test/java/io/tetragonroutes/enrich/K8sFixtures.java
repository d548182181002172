package io.tetragonroutes.enrich;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.tetragonroutes.Samples;

import java.io.IOException;
import java.util.Map;

/**
 * Kubernetes objects for the enrichment tests, written to a (mock) API server, and Tetragon lines that point at
 * them, made from a real exec sample with its pod, container and docker fields rewritten.
 */
public final class K8sFixtures {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private K8sFixtures() {
    }

    public static String containerId(int n) {
        return String.format("%02x", 0xa0 + n).repeat(32); // distinct already in the 31-character prefix
    }

    public static void namespace(KubernetesClient c, String name, Map<String, String> labels) {
        c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels)
                .endMetadata().build()).create();
    }

    public static void node(KubernetesClient c, String name, Map<String, String> labels) {
        c.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .build()).create();
    }

    /** A ReplicaSet owned by a Deployment (or a Job owned by a CronJob): the middle of an owner chain. */
    public static void replicaSet(KubernetesClient c, String ns, String name, String deployment) {
        c.apps().replicaSets().inNamespace(ns).resource(new ReplicaSetBuilder().withNewMetadata().withName(name)
                .withNamespace(ns).withOwnerReferences(owner("Deployment", deployment)).endMetadata().build()).create();
    }

    public static void job(KubernetesClient c, String ns, String name, String cronJob) {
        c.batch().v1().jobs().inNamespace(ns).resource(new JobBuilder().withNewMetadata().withName(name)
                .withNamespace(ns).withOwnerReferences(owner("CronJob", cronJob)).endMetadata().build()).create();
    }

    public static Pod pod(KubernetesClient c, String ns, String name, String node, String ownerKind, String owner,
                          int container, Map<String, String> labels, Map<String, String> annotations) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(ns)
                .withUid("uid-" + name).withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec().withNodeName(node).withServiceAccountName("sa-" + name).endSpec()
                .withNewStatus().withPodIP("10.1.0." + container)
                .withContainerStatuses(new ContainerStatusBuilder().withName("main")
                        .withContainerID("containerd://" + containerId(container)).withImage("registry/app:" + container)
                        .build()).endStatus();
        if (owner != null) {
            b.editMetadata().withOwnerReferences(owner(ownerKind, owner)).endMetadata();
        }
        return c.pods().inNamespace(ns).resource(b.build()).create();
    }

    private static io.fabric8.kubernetes.api.model.OwnerReference owner(String kind, String name) {
        return new OwnerReferenceBuilder().withKind(kind).withName(name).withApiVersion("v1").withUid("uid-" + name)
                .withController(true).build();
    }

    /** A real exec sample, its pod set to ns/name and container {@code container} (null ns: container id only). */
    public static String execLine(String ns, String name, int container, int seq) throws IOException {
        String sample = Samples.lines("events/process_exec.jsonl").stream().filter(l -> l.contains("\"pod\""))
                .findFirst().orElseThrow();
        ObjectNode e = (ObjectNode) MAPPER.readTree(sample);
        ObjectNode p = (ObjectNode) e.path("process_exec").path("process");
        p.put("exec_id", "test-exec-" + seq);
        p.put("docker", containerId(container).substring(0, 31));
        if (ns == null) {
            p.remove("pod");
        } else {
            ObjectNode pod = (ObjectNode) p.path("pod");
            pod.put("namespace", ns);
            pod.put("name", name);
            ((ObjectNode) pod.path("container")).put("id", "containerd://" + containerId(container));
        }
        return MAPPER.writeValueAsString(e);
    }

    /** A real exec sample of a host process: no pod, no container. */
    public static String hostLine(int seq) throws IOException {
        ObjectNode e = (ObjectNode) MAPPER.readTree(execLine(null, null, 0, seq));
        ((ObjectNode) e.path("process_exec").path("process")).remove("docker");
        return MAPPER.writeValueAsString(e);
    }
}
