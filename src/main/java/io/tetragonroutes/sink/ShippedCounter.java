package io.tetragonroutes.sink;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Counts what a sink accepted: {@code tetragon_sink_events_total{sink,output}}, and of those the ones it already
 * had, {@code tetragon_sink_duplicates_total{sink,output}}. Put it after the sink's producer;
 * the sink and output names come from the {@link #SINK} and {@link #OUTPUT} headers the sink kamelet sets.
 */
public final class ShippedCounter implements Processor {

    public static final String SINK = "TetragonSink";
    public static final String OUTPUT = "TetragonOutput";
    /** How many of the accepted events the sink found already delivered (set by a sink that can tell). */
    public static final String DUPLICATES = "TetragonDuplicates";

    private final MeterRegistry registry;

    public ShippedCounter(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void process(Exchange exchange) {
        Integer n = exchange.getMessage().getHeader(NdjsonFormatter.COUNT, Integer.class);
        String sink = exchange.getMessage().getHeader(SINK, "unknown", String.class);
        String output = exchange.getMessage().getHeader(OUTPUT, "all", String.class);
        registry.counter("tetragon.sink.events", "sink", sink, "output", output).increment(n == null ? 0 : n);
        // documents the sink found already there (Elasticsearch's 409 on create of the event's id): part of n
        Integer duplicates = exchange.getMessage().getHeader(DUPLICATES, Integer.class);
        if (duplicates != null) {
            registry.counter("tetragon.sink.duplicates", "sink", sink, "output", output).increment(duplicates);
            exchange.getMessage().removeHeader(DUPLICATES);
        }
    }
}
