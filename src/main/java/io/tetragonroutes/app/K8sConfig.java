package io.tetragonroutes.app;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code tetragon.k8s.*}: Kubernetes metadata enrichment (README "Kubernetes enrichment"). */
@ConfigMapping(prefix = "tetragon.k8s")
public interface K8sConfig {

    /** {@code auto} (on when running in a pod: KUBERNETES_SERVICE_HOST is set), {@code true} or {@code false}. */
    @WithDefault("auto")
    String enabled();

    /** {@code node}: only this node's pods (a DaemonSet); {@code cluster}: every pod (a central tier). */
    @WithDefault("node")
    String scope();

    /** This node's name, from the downward API ({@code NODE_NAME}). */
    Optional<String> nodeName();

    @WithDefault("60s")
    Duration deletedPodRetention();

    @WithDefault("20000")
    int maxPods();

    /** Label keys to add (globs, {@code *} all). */
    @WithDefault("*")
    List<String> labels();

    /** Annotation keys to add (globs). */
    @WithDefault("*")
    List<String> annotations();

    /** Annotation keys never added. */
    @WithDefault("kubectl.kubernetes.io/last-applied-configuration")
    List<String> annotationsExclude();

    /** Ask the API server for this node's pods only; false for servers that ignore field selectors. */
    @WithDefault("true")
    boolean serverSideNodeFilter();

    /** Informer resync; 0s = off. */
    @WithDefault("0s")
    Duration resync();
}
