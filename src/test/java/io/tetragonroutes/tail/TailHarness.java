package io.tetragonroutes.tail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real CamelContext with one route: {@code tetragon-tail:<export>} into a collector. Stopping and starting it again
 * is a restart: the checkpoint on disk is all that carries over.
 */
final class TailHarness implements AutoCloseable {

    final Path export;
    final Path dataDir;
    final List<Line> lines = Collections.synchronizedList(new ArrayList<>());
    final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    volatile Predicate<LineBatch> failWhen = b -> false;
    private final String options;
    private CamelContext camel;

    TailHarness(Path export, Path dataDir, String options) {
        this.export = export;
        this.dataDir = dataDir;
        this.options = options;
    }

    TailHarness start() throws Exception {
        camel = new DefaultCamelContext();
        camel.addComponent(TailComponent.SCHEME, new TailComponent(registry));
        String uri = TailComponent.SCHEME + ":" + export + "?dataDir=" + dataDir
                + "&lingerMs=0&pollDelayMs=20&retryMaxBackoffMs=200&drainTimeoutSeconds=2"
                + (options.isEmpty() ? "" : "&" + options);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from(uri).routeId("tail").process(TailHarness.this::collect);
            }
        });
        camel.start();
        return this;
    }

    private void collect(Exchange ex) {
        LineBatch b = ex.getMessage().getBody(LineBatch.class);
        if (failWhen.test(b)) {
            throw new IllegalStateException("sink refused the batch");
        }
        lines.addAll(b.lines());
        batchSizes.add(b.size());
    }

    void stop() throws Exception {
        if (camel != null) {
            camel.stop();
            camel = null;
        }
    }

    TailEndpoint endpoint() {
        return camel.getEndpoints().stream().filter(TailEndpoint.class::isInstance).map(TailEndpoint.class::cast)
                .findFirst().orElseThrow();
    }

    List<String> texts() {
        synchronized (lines) {
            return lines.stream().filter(l -> l.status() == Line.Status.OK).map(Line::text).toList();
        }
    }

    double counter(String name) {
        return registry.find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    double gauge(String name) {
        var g = registry.find(name).gauge();
        return g == null ? Double.NaN : g.value();
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
