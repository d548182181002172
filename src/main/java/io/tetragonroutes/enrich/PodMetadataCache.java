package io.tetragonroutes.enrich;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.event.SharedJson;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Pod metadata from the API server, held in memory by fabric8 informers (one list + watch per resource type, never
 * a request per event): pods (the node's, or all of them in cluster scope), and the ReplicaSets, Jobs, Namespaces
 * and Nodes needed for owners and labels. Pods are indexed by namespace/name and by container id (the full id and
 * the 31- and 24-character prefixes Tetragon writes as {@code docker}). Deleted pods stay resolvable for a while,
 * because Tetragon's exit events for a dying pod arrive after the delete.
 * <p>
 * A lookup is one map read: the {@code kubernetes} object for a pod and container is built once and reused until
 * something it was built from changes (any watch event, and forgetting a pod, bumps a generation counter).
 */
public final class PodMetadataCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PodMetadataCache.class);
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /**
     * The objects built in one generation, by the lookup's own key: {@code namespace/name/container} as the event
     * wrote them, or the docker id. One flat map keeps a hit to one hash probe: with thousands of pods and events
     * from any of them, the pod index and a map per pod were each a chain of cache misses.
     */
    private record Rendered(long generation, Map<String, SharedJson> byPodRef, Map<String, SharedJson> byDocker) {
        Rendered(long generation) {
            this(generation, new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
        }
    }

    /** One pod, as the index sees it. */
    private static final class Entry {
        final Pod pod;
        final String key;
        volatile long deletedAt; // 0 while the pod exists

        /** The container ids of the pod, and the 31- and 24-character prefixes Tetragon writes as docker. */
        final List<String> containerKeys = new ArrayList<>();

        Entry(Pod pod) {
            this.pod = pod;
            this.key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
            for (String id : containerIds(pod)) {
                containerKeys.add(id);
                if (id.length() >= 31) {
                    containerKeys.add(id.substring(0, 31));
                }
                if (id.length() >= 24) {
                    containerKeys.add(id.substring(0, 24));
                }
            }
        }
    }

    private final KubernetesClient client;
    private final K8sSettings settings;
    private final LongSupplier clock;
    private final KeyFilter labels;
    private final KeyFilter annotations;
    private final Map<String, Entry> byName = new ConcurrentHashMap<>();
    private final Map<String, Entry> byContainer = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final AtomicReference<Rendered> rendered = new AtomicReference<>(new Rendered(-1));
    private final AtomicBoolean overLimitLogged = new AtomicBoolean();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private final Counter evicted;
    private SharedIndexInformer<ReplicaSet> replicaSets;
    private SharedIndexInformer<Job> jobs;
    private SharedIndexInformer<Namespace> namespaces;
    private SharedIndexInformer<Node> nodes;
    private volatile boolean synced;
    private volatile long lastExpire;

    public PodMetadataCache(KubernetesClient client, K8sSettings settings, MeterRegistry registry, LongSupplier clock) {
        this.client = client;
        this.settings = settings;
        this.clock = clock;
        this.labels = new KeyFilter(settings.labels(), List.of());
        this.annotations = new KeyFilter(settings.annotations(), settings.annotationsExclude());
        registry.gauge("tetragon.k8s.cache.pods", byName, Map::size);
        registry.gauge("tetragon.k8s.synced", this, c -> c.synced ? 1 : 0);
        this.evicted = registry.counter("tetragon.k8s.cache.evicted");
    }

    /** Starts the informers without waiting: events pass unenriched ({@code miss}) until they have synced. */
    public void start() {
        long resync = settings.resync().toMillis();
        boolean nodeSelector = !settings.clusterScope() && settings.serverSideNodeFilter();
        var pods = nodeSelector
                ? client.pods().inAnyNamespace().withField("spec.nodeName", settings.nodeName()).runnableInformer(resync)
                : client.pods().inAnyNamespace().runnableInformer(resync);
        pods.addEventHandler(new ResourceEventHandler<Pod>() {
            @Override
            public void onAdd(Pod p) {
                upsert(p);
            }

            @Override
            public void onUpdate(Pod old, Pod p) {
                upsert(p);
            }

            @Override
            public void onDelete(Pod p, boolean finalStateUnknown) {
                deleted(p);
            }
        });
        replicaSets = client.apps().replicaSets().inAnyNamespace().runnableInformer(resync);
        jobs = client.batch().v1().jobs().inAnyNamespace().runnableInformer(resync);
        namespaces = client.namespaces().runnableInformer(resync);
        nodes = nodeSelector ? client.nodes().withField("metadata.name", settings.nodeName()).runnableInformer(resync)
                : client.nodes().runnableInformer(resync);
        ResourceEventHandler<HasMetadata> bump = new ResourceEventHandler<>() {
            @Override
            public void onAdd(HasMetadata o) {
                generation.incrementAndGet();
            }

            @Override
            public void onUpdate(HasMetadata old, HasMetadata o) {
                generation.incrementAndGet();
            }

            @Override
            public void onDelete(HasMetadata o, boolean unknown) {
                generation.incrementAndGet();
            }
        };
        replicaSets.addEventHandler(bump);
        jobs.addEventHandler(bump);
        namespaces.addEventHandler(bump);
        nodes.addEventHandler(bump);
        informers.addAll(List.of(pods, replicaSets, jobs, namespaces, nodes));
        AtomicBoolean warned = new AtomicBoolean();
        for (SharedIndexInformer<?> i : informers) {
            // keep listing and watching through API-server outages, also before the first sync
            i.exceptionHandler((started, t) -> {
                if (warned.compareAndSet(false, true)) {
                    LOG.warn("Kubernetes API not reachable ({}); events pass without pod metadata "
                            + "(kubernetes.pod_ref=miss) until it is", t.getMessage());
                }
                return true;
            });
        }
        List<java.util.concurrent.CompletableFuture<Void>> starts = new ArrayList<>();
        for (SharedIndexInformer<?> i : informers) {
            starts.add(i.start().toCompletableFuture());
        }
        java.util.concurrent.CompletableFuture.allOf(starts.toArray(new java.util.concurrent.CompletableFuture[0]))
                .whenComplete((v, t) -> {
                    if (t == null) {
                        synced = true;
                        LOG.info("Kubernetes metadata synced: {} pods ({} scope)", byName.size(),
                                settings.clusterScope() ? "cluster" : "node " + settings.nodeName());
                    }
                });
    }

    /**
     * Adds pods without an API server (no owners beyond the pod's own references, no namespace or node labels): for
     * benchmarks and for replaying an export against a saved pod list.
     */
    public void preload(java.util.Collection<Pod> pods) {
        pods.forEach(this::upsert);
        synced = true;
    }

    public boolean isSynced() {
        return synced;
    }

    public int size() {
        return byName.size();
    }

    private void upsert(Pod p) {
        if (!settings.clusterScope() && p.getSpec() != null
                && !settings.nodeName().equals(p.getSpec().getNodeName())) {
            return; // a pod of another node (an API server that ignored the field selector)
        }
        Entry e = new Entry(p);
        if (!byName.containsKey(e.key) && byName.size() >= settings.maxPods() && !evictOne()) {
            if (overLimitLogged.compareAndSet(false, true)) {
                LOG.warn("Kubernetes metadata cache is full ({} pods, tetragon.k8s.max-pods); newer pods are not "
                        + "enriched", settings.maxPods());
            }
            return;
        }
        Entry old = byName.put(e.key, e);
        if (old != null) {
            unindex(old);
        }
        for (String k : e.containerKeys) {
            byContainer.put(k, e);
        }
        generation.incrementAndGet();
    }

    private void deleted(Pod p) {
        Entry e = byName.get(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName());
        if (e != null) {
            e.deletedAt = clock.getAsLong();
        }
        expire();
    }

    /** {@link #expire()} at most every few seconds: cheap enough to call once per batch. */
    public void expireIfDue() {
        long now = clock.getAsLong();
        if (now - lastExpire > 5_000_000_000L) {
            lastExpire = now;
            expire();
        }
    }

    /** Forgets pods deleted longer ago than the retention. */
    public void expire() {
        long now = clock.getAsLong();
        long keep = settings.deletedPodRetention().toNanos();
        if (byName.values().removeIf(e -> {
            boolean gone = e.deletedAt != 0 && now - e.deletedAt > keep;
            if (gone) {
                unindex(e);
            }
            return gone;
        })) {
            generation.incrementAndGet(); // its objects built so far go too
        }
    }

    private boolean evictOne() {
        expire();
        for (Entry e : byName.values()) {
            if (e.deletedAt != 0) {
                byName.remove(e.key);
                unindex(e);
                generation.incrementAndGet();
                evicted.increment();
                return true;
            }
        }
        return byName.size() < settings.maxPods();
    }

    /** Drops the entry's container keys (those another entry took over stay). */
    private void unindex(Entry e) {
        for (String k : e.containerKeys) {
            byContainer.remove(k, e);
        }
    }

    private static List<String> containerIds(Pod p) {
        List<String> ids = new ArrayList<>();
        if (p.getStatus() == null) {
            return ids;
        }
        for (List<ContainerStatus> l : List.of(nullSafe(p.getStatus().getContainerStatuses()),
                nullSafe(p.getStatus().getInitContainerStatuses()),
                nullSafe(p.getStatus().getEphemeralContainerStatuses()))) {
            for (ContainerStatus c : l) {
                String id = bareId(c.getContainerID());
                if (id != null) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }

    private static <T> List<T> nullSafe(List<T> l) {
        return l == null ? List.of() : l;
    }

    /** {@code containerd://abc…} -> {@code abc…}. */
    static String bareId(String id) {
        if (id == null || id.isEmpty()) {
            return null;
        }
        int sep = id.indexOf("://");
        return sep < 0 ? id : id.substring(sep + 3);
    }

    /** The pod's {@code kubernetes} object, or null when the pod is unknown. */
    public SharedJson byPod(String namespace, String name, String containerId) {
        // namespaces and names have no '/', so the key is unambiguous whatever the container id holds
        String k = namespace + '/' + name + '/' + (containerId == null ? "" : containerId);
        Map<String, SharedJson> built = rendered().byPodRef;
        SharedJson n = built.get(k);
        if (n == null) {
            Entry e = byName.get(namespace + "/" + name);
            n = e == null ? null : keep(built, k, e, bareId(containerId), "pod_ref");
        }
        return n;
    }

    /** By the container id Tetragon wrote ({@code docker}: a prefix of the id), or null. */
    public SharedJson byContainer(String docker) {
        Map<String, SharedJson> built = rendered().byDocker;
        SharedJson n = built.get(docker);
        if (n == null) {
            Entry e = byContainer.get(docker);
            n = e == null ? null : keep(built, docker, e, docker, "container_id");
        }
        return n;
    }

    /** Builds the object a lookup missed and keeps it under the lookup's key for this generation. */
    private SharedJson keep(Map<String, SharedJson> built, String key, Entry e, String containerId, String how) {
        SharedJson n = SharedJson.of(build(e.pod, containerId, how), e.pod.getMetadata().getUid());
        built.put(key, n);
        return n;
    }

    /**
     * This generation's objects, or a newer one's. The index changes before the generation does, so a lookup that
     * sees the new generation builds from the new index; one that raced it puts into maps nothing reads again.
     */
    private Rendered rendered() {
        long gen = generation.get();
        Rendered r = rendered.get();
        while (r.generation() < gen) {
            Rendered next = new Rendered(gen);
            r = rendered.compareAndSet(r, next) ? next : rendered.get();
        }
        return r;
    }

    private ObjectNode build(Pod p, String containerId, String how) {
        var meta = p.getMetadata();
        ObjectNode k = F.objectNode();
        ObjectNode pod = k.putObject("pod");
        pod.put("name", meta.getName());
        pod.put("uid", meta.getUid());
        if (p.getStatus() != null && p.getStatus().getPodIP() != null) {
            pod.put("ip", p.getStatus().getPodIP());
        }
        k.put("namespace", meta.getNamespace());
        Namespace ns = namespaces == null ? null : namespaces.getStore().getByKey(meta.getNamespace());
        if (ns != null) {
            putMap(k, "namespace_labels", ns.getMetadata().getLabels(), labels);
        }
        putMap(k, "labels", meta.getLabels(), labels);
        putMap(k, "annotations", meta.getAnnotations(), annotations);
        if (p.getSpec() != null) {
            if (p.getSpec().getNodeName() != null) {
                ObjectNode node = k.putObject("node");
                node.put("name", p.getSpec().getNodeName());
                Node n = nodes == null ? null : nodes.getStore().getByKey(p.getSpec().getNodeName());
                if (n != null) {
                    putMap(node, "labels", n.getMetadata().getLabels(), labels);
                }
            }
            if (p.getSpec().getServiceAccountName() != null) {
                k.put("service_account", p.getSpec().getServiceAccountName());
            }
        }
        ContainerStatus c = container(p, containerId);
        if (c != null) {
            ObjectNode container = k.putObject("container");
            container.put("name", c.getName());
            container.put("id", c.getContainerID());
            container.put("image", c.getImage());
        }
        String[] workload = workload(p);
        k.putObject("workload").put("kind", workload[0]).put("name", workload[1]);
        k.put("pod_ref", how);
        return k;
    }

    private static ContainerStatus container(Pod p, String containerId) {
        if (containerId == null || p.getStatus() == null) {
            return null;
        }
        for (ContainerStatus c : nullSafe(p.getStatus().getContainerStatuses())) {
            String id = bareId(c.getContainerID());
            if (id != null && id.startsWith(containerId)) {
                return c;
            }
        }
        for (ContainerStatus c : nullSafe(p.getStatus().getInitContainerStatuses())) {
            String id = bareId(c.getContainerID());
            if (id != null && id.startsWith(containerId)) {
                return c;
            }
        }
        return null;
    }

    /** The top of the owner chain: Pod -> ReplicaSet -> Deployment, Job -> CronJob, or the direct owner. */
    private String[] workload(Pod p) {
        OwnerReference o = controller(p.getMetadata().getOwnerReferences());
        if (o == null) {
            return new String[] {"Pod", p.getMetadata().getName()};
        }
        String ns = p.getMetadata().getNamespace();
        if (o.getKind().equals("ReplicaSet") && replicaSets != null) {
            ReplicaSet rs = replicaSets.getStore().getByKey(ns + "/" + o.getName());
            OwnerReference up = rs == null ? null : controller(rs.getMetadata().getOwnerReferences());
            if (up != null) {
                return new String[] {up.getKind(), up.getName()};
            }
        } else if (o.getKind().equals("Job") && jobs != null) {
            Job job = jobs.getStore().getByKey(ns + "/" + o.getName());
            OwnerReference up = job == null ? null : controller(job.getMetadata().getOwnerReferences());
            if (up != null) {
                return new String[] {up.getKind(), up.getName()};
            }
        }
        return new String[] {o.getKind(), o.getName()};
    }

    private static OwnerReference controller(List<OwnerReference> refs) {
        if (refs == null || refs.isEmpty()) {
            return null;
        }
        for (OwnerReference r : refs) {
            if (Boolean.TRUE.equals(r.getController())) {
                return r;
            }
        }
        return refs.get(0);
    }

    private static void putMap(ObjectNode parent, String field, Map<String, String> m, KeyFilter filter) {
        if (filter.isEmpty(m)) {
            return;
        }
        ObjectNode o = parent.putObject(field);
        m.forEach((k, v) -> {
            if (filter.test(k)) {
                o.put(k, v);
            }
        });
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::stop);
    }
}
