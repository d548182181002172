package io.tetragonroutes.tail;

import io.micrometer.core.instrument.MeterRegistry;
import io.tetragonroutes.camel.TetragonKit;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

import java.util.Map;

/**
 * {@code tetragon-tail:<path>}: follows a Tetragon export file ({@code -} for standard input) and emits
 * {@link LineBatch} exchanges; the checkpoint advances when an exchange completes.
 */
public class TailComponent extends DefaultComponent {

    public static final String SCHEME = "tetragon-tail";

    private MeterRegistry meterRegistry;

    public TailComponent() {
    }

    public TailComponent(MeterRegistry meterRegistry) {
        this.meterRegistry = meterRegistry;
    }

    public MeterRegistry getMeterRegistry() {
        return meterRegistry != null ? meterRegistry : TetragonKit.of(getCamelContext()).meters();
    }

    public void setMeterRegistry(MeterRegistry meterRegistry) {
        this.meterRegistry = meterRegistry;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        if (remaining == null || remaining.isBlank()) {
            throw new IllegalArgumentException("tetragon-tail needs a path: tetragon-tail:/var/log/tetragon/tetragon.log"
                    + " (or tetragon-tail:- for standard input)");
        }
        TailEndpoint endpoint = new TailEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        endpoint.validate();
        return endpoint;
    }
}
