package io.tetragonroutes.app;

import io.tetragonroutes.tail.TailEndpoint;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when every {@code tetragon-tail} endpoint has its export open. Camel's own checks (context, routes) sit
 * beside this one in {@code /q/health/ready}. A hub with no tail (Kafka in) has nothing to wait for.
 */
@Readiness
@ApplicationScoped
public class ExportReadiness implements HealthCheck {

    @Inject
    CamelContext camel;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("tetragon-export").up();
        for (Endpoint e : camel.getEndpoints()) {
            if (e instanceof TailEndpoint tail && tail.isConsumed()) {
                boolean reading = tail.isReading();
                b.withData(tail.getPath(), reading ? "reading" : "waiting for the file");
                if (!reading) {
                    b.down();
                }
            }
        }
        return b.build();
    }
}
