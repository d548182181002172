package io.tetragonroutes.app;

import io.tetragonroutes.camel.TetragonKit;
import io.tetragonroutes.enrich.PodMetadataCache;
import org.apache.camel.CamelContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Says whether Kubernetes metadata is available. Always UP: enrichment never holds events back, so an unreachable
 * API server must not take the agent out of service; the {@code synced} detail and the {@code tetragon_k8s_synced}
 * gauge say when events pass without metadata.
 */
@Readiness
@ApplicationScoped
public class K8sHealth implements HealthCheck {

    @Inject
    CamelContext camel;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("tetragon-k8s").up();
        PodMetadataCache cache = TetragonKit.of(camel).k8sCache();
        if (cache == null) {
            return b.withData("enabled", false).build();
        }
        return b.withData("enabled", true).withData("synced", cache.isSynced())
                .withData("pods", cache.size()).build();
    }
}
