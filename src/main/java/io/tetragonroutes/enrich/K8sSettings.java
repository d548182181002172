package io.tetragonroutes.enrich;

import java.time.Duration;
import java.util.List;

/**
 * What the enrichment watches and adds ({@code tetragon.k8s.*}).
 *
 * @param nodeName           the node this agent runs on (downward API); with {@code clusterScope} false, only its
 *                           pods are watched
 * @param clusterScope       watch every pod (a central tier) instead of the node's
 * @param deletedPodRetention how long a deleted pod stays resolvable (Tetragon's exit events come after the delete)
 * @param maxPods            memory bound: pods kept in the cache (deleted ones go first)
 * @param labels             label keys to add (globs; {@code *} = all, empty = none)
 * @param annotations        annotation keys to add (globs)
 * @param annotationsExclude annotation keys never added, even when allowed (secrets, huge last-applied configs)
 * @param resync             informer resync period; zero = off (watch events only)
 * @param serverSideNodeFilter ask the API server for this node's pods only ({@code spec.nodeName} field selector);
 *                           off for API servers or proxies that do not apply field selectors (the pods of other
 *                           nodes are then dropped here)
 */
public record K8sSettings(String nodeName, boolean clusterScope, Duration deletedPodRetention, int maxPods,
                          List<String> labels, List<String> annotations, List<String> annotationsExclude,
                          Duration resync, boolean serverSideNodeFilter) {

    public K8sSettings {
        if (!clusterScope && (nodeName == null || nodeName.isBlank())) {
            throw new IllegalArgumentException("tetragon.k8s.node-name (NODE_NAME from the downward API) is required "
                    + "unless tetragon.k8s.scope=cluster");
        }
        labels = List.copyOf(labels);
        annotations = List.copyOf(annotations);
        annotationsExclude = List.copyOf(annotationsExclude);
    }
}
