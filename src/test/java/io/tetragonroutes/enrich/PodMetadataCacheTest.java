package io.tetragonroutes.enrich;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.event.SharedJson;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.tetragonroutes.enrich.K8sFixtures.containerId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Lookups of the pod cache without an API server (pods preloaded): by namespace and name with the container the
 * event names, by container id, and what a change to the cache does to objects already built.
 */
class PodMetadataCacheTest {

    private final PodMetadataCache cache = new PodMetadataCache(null, new K8sSettings("node-a", false,
            Duration.ofMinutes(1), 100, List.of("*"), List.of(), List.of(), Duration.ZERO, true),
            new SimpleMeterRegistry(), System::nanoTime);

    private static Pod pod(String ns, String name, int... containers) {
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).withUid("uid-" + name)
                .addToLabels("app", name).endMetadata().withNewSpec().withNodeName("node-a").endSpec();
        b.withNewStatus().endStatus();
        for (int c : containers) {
            b.editStatus().addToContainerStatuses(new ContainerStatusBuilder().withName("c" + c)
                    .withContainerID("containerd://" + containerId(c)).withImage("img:" + c).build()).endStatus();
        }
        return b.build();
    }

    private static String container(SharedJson k) {
        return k.tree().at("/container/name").asText();
    }

    @Test
    void eachContainerOfAPodGetsItsOwnObjectWhateverTheOrderOfLookups() {
        cache.preload(List.of(pod("shop", "two", 1, 2), pod("shop", "one", 3)));
        SharedJson first = cache.byPod("shop", "two", containerId(1));
        SharedJson second = cache.byPod("shop", "two", containerId(2));
        assertEquals("c1", container(first));
        assertEquals("c2", container(second));
        // alternating containers of one pod, and new String instances as a parser makes them
        for (int i = 0; i < 3; i++) {
            assertSame(first, cache.byPod(new String("shop"), new String("two"), new String(containerId(1))));
            assertSame(second, cache.byPod("shop", "two", containerId(2)));
        }
        assertEquals("c3", container(cache.byPod("shop", "one", containerId(3))));
        assertEquals("pod_ref", first.tree().path("pod_ref").asText());
        assertEquals("", cache.byPod("shop", "two", null).tree().at("/container/name").asText(),
                "no container named: the pod's object without one");
        assertNull(cache.byPod("shop", "three", containerId(1)));
        assertNull(cache.byPod("other", "two", containerId(1)), "same name in another namespace");
    }

    @Test
    void aLookupByPodAndOneByContainerIdAreDifferentObjects() {
        cache.preload(List.of(pod("shop", "web", 4)));
        String docker = containerId(4).substring(0, 31);
        SharedJson byPod = cache.byPod("shop", "web", docker);
        SharedJson byContainer = cache.byContainer(docker);
        assertEquals("pod_ref", byPod.tree().path("pod_ref").asText());
        assertEquals("container_id", byContainer.tree().path("pod_ref").asText());
        assertSame(byPod, cache.byPod("shop", "web", docker));
        assertSame(byContainer, cache.byContainer(docker));
    }

    @Test
    void aChangedPodIsRenderedAgainAndTheOldObjectIsNotReturned() {
        cache.preload(List.of(pod("shop", "web", 5)));
        SharedJson before = cache.byPod("shop", "web", containerId(5));
        SharedJson beforeByContainer = cache.byContainer(containerId(5));
        assertEquals("web", before.tree().at("/labels/app").asText());

        Pod changed = pod("shop", "web", 5);
        changed.getMetadata().getLabels().put("app", "web-v2");
        cache.preload(List.of(changed));
        SharedJson after = cache.byPod("shop", "web", containerId(5));
        assertNotSame(before, after);
        assertEquals("web-v2", after.tree().at("/labels/app").asText());
        assertEquals("web", before.tree().at("/labels/app").asText(), "objects handed out are never modified");
        SharedJson afterByContainer = cache.byContainer(containerId(5));
        assertNotSame(beforeByContainer, afterByContainer);
        assertEquals("web-v2", afterByContainer.tree().at("/labels/app").asText());
    }
}
