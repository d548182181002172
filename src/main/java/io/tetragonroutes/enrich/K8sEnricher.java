package io.tetragonroutes.enrich;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.SharedJson;
import io.tetragonroutes.event.TetragonEvent;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Adds one {@code kubernetes} object to each event of a batch, from {@link PodMetadataCache}: found by the pod
 * Tetragon named ({@code process.pod.namespace/name}: {@code pod_ref}), else by the container id it wrote
 * ({@code process.docker}: {@code container_id}), else {@code {"pod_ref":"miss"}} (a host process, a pod not known
 * yet, or the API server not reachable). It never blocks and never drops an event. Without a cache (enrichment
 * off) it does nothing. The added objects are shared between events and must not be modified.
 */
public final class K8sEnricher implements Processor {

    private static final SharedJson MISS = SharedJson.of(JsonNodeFactory.instance.objectNode().put("pod_ref", "miss"));

    private final PodMetadataCache cache;
    private final Counter byPod;
    private final Counter byContainer;
    private final Counter miss;

    public K8sEnricher(PodMetadataCache cache, MeterRegistry registry) {
        this.cache = cache;
        this.byPod = registry.counter("tetragon.k8s.lookups", "result", "pod_ref");
        this.byContainer = registry.counter("tetragon.k8s.lookups", "result", "container_id");
        this.miss = registry.counter("tetragon.k8s.lookups", "result", "miss");
    }

    /** Enrichment off: the kamelet step stays in the route and passes batches through. */
    public static K8sEnricher disabled(MeterRegistry registry) {
        return new K8sEnricher(null, registry);
    }

    public boolean isEnabled() {
        return cache != null;
    }

    @Override
    public void process(Exchange exchange) {
        if (cache == null) {
            return;
        }
        EventBatch batch = exchange.getMessage().getBody(EventBatch.class);
        if (batch != null) {
            enrich(batch);
        }
    }

    /** Adds {@code kubernetes} to every process event of the batch. */
    public void enrich(EventBatch batch) {
        if (cache == null) {
            return;
        }
        cache.expireIfDue();
        long p = 0;
        long c = 0;
        long m = 0;
        for (TetragonEvent e : batch.list()) {
            if (!e.hasProcess()) {
                continue; // throttle and rate-limit events are about Tetragon, not a process
            }
            SharedJson k = null;
            String docker = e.docker();
            String namespace = e.podNamespace();
            String name = e.podName();
            if (namespace != null && name != null) {
                String container = e.containerId();
                k = cache.byPod(namespace, name, container != null ? container : docker);
            }
            if (k != null) {
                p++;
            } else if (docker != null && !docker.isEmpty() && (k = cache.byContainer(docker)) != null) {
                c++;
            } else {
                k = MISS;
                m++;
            }
            e.addShared("kubernetes", k);
        }
        byPod.increment(p);
        byContainer.increment(c);
        miss.increment(m);
    }
}
