package io.tetragonroutes.camel;

import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.TetragonEvent;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.TypeConverterLoaderException;
import org.apache.camel.spi.TypeConverterLoader;
import org.apache.camel.spi.TypeConverterRegistry;
import org.apache.camel.support.SimpleTypeConverter;

import java.io.InputStream;
import java.util.Map;

/**
 * Registers {@link TetragonConverters} with Camel, the way the loaders Camel's build generates for
 * {@code @Converter(generateLoader = true)} classes do; listed in
 * {@code META-INF/services/org/apache/camel/TypeConverterLoader}, which every Camel runtime reads.
 */
public final class TetragonConvertersLoader implements TypeConverterLoader, CamelContextAware {

    private CamelContext camelContext;

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void load(TypeConverterRegistry registry) throws TypeConverterLoaderException {
        add(registry, byte[].class, EventBatch.class, (t, x, v) -> TetragonConverters.batchToBytes((EventBatch) v));
        add(registry, String.class, EventBatch.class, (t, x, v) -> TetragonConverters.batchToString((EventBatch) v));
        add(registry, InputStream.class, EventBatch.class,
                (t, x, v) -> TetragonConverters.batchToStream((EventBatch) v));
        add(registry, byte[].class, TetragonEvent.class,
                (t, x, v) -> TetragonConverters.eventToBytes((TetragonEvent) v));
        add(registry, String.class, TetragonEvent.class,
                (t, x, v) -> TetragonConverters.eventToString((TetragonEvent) v));
        add(registry, InputStream.class, TetragonEvent.class,
                (t, x, v) -> TetragonConverters.eventToStream((TetragonEvent) v));
        add(registry, Map.class, TetragonEvent.class, (t, x, v) -> TetragonConverters.eventToMap((TetragonEvent) v));
        add(registry, byte[].class, DeadLetter.class,
                (t, x, v) -> TetragonConverters.deadLetterToBytes((DeadLetter) v));
        add(registry, String.class, DeadLetter.class,
                (t, x, v) -> TetragonConverters.deadLetterToString((DeadLetter) v));
        add(registry, InputStream.class, DeadLetter.class,
                (t, x, v) -> TetragonConverters.deadLetterToStream((DeadLetter) v));
        add(registry, Map.class, DeadLetter.class, (t, x, v) -> TetragonConverters.deadLetterToMap((DeadLetter) v));
    }

    private static void add(TypeConverterRegistry registry, Class<?> to, Class<?> from,
                            SimpleTypeConverter.ConversionMethod method) {
        registry.addTypeConverter(to, from, new SimpleTypeConverter(false, method));
    }
}
