package io.tetragonroutes.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.rules.SensitiveFileRule;
import io.tetragonroutes.sink.NdjsonFormatter;
import io.tetragonroutes.sink.ShippedCounter;
import io.tetragonroutes.tail.TailComponent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.HashSet;
import java.util.List;

/** The Java steps the route YAML and kamelets refer to by name ({@code process: ref: tetragonParser}). */
@ApplicationScoped
public class PipelineBeans {

    private final ObjectMapper mapper = new ObjectMapper();

    @Produces
    @Singleton
    @Named(TailComponent.SCHEME)
    TailComponent tailComponent(MeterRegistry registry) {
        return new TailComponent(registry);
    }

    @Produces
    @Singleton
    @Named("tetragonParser")
    EventParser parser(MeterRegistry registry) {
        return new EventParser(mapper, registry);
    }

    @Produces
    @Singleton
    @Named("tetragonSensitiveFiles")
    SensitiveFileRule sensitiveFiles(@ConfigProperty(name = "tetragon.rules.sensitive-files") List<String> paths,
                                     MeterRegistry registry) {
        return new SensitiveFileRule(new HashSet<>(paths), registry);
    }

    @Produces
    @Singleton
    @Named("tetragonNdjson")
    NdjsonFormatter ndjson() {
        return new NdjsonFormatter(mapper);
    }

    @Produces
    @Singleton
    @Named("tetragonShipped")
    ShippedCounter shipped(MeterRegistry registry) {
        return new ShippedCounter(registry);
    }
}
