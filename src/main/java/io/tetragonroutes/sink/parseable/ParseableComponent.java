package io.tetragonroutes.sink.parseable;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

import java.util.Map;

/**
 * {@code tetragon-parseable:<stream>?url=RAW(http://parseable:8000)}: sends the events of an event batch to a
 * Parseable log stream (see {@link ParseableEndpoint} for the options). Used by
 * {@code kamelets/parseable-sink.kamelet.yaml}.
 */
public class ParseableComponent extends DefaultComponent {

    public static final String SCHEME = "tetragon-parseable";

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        ParseableEndpoint endpoint = new ParseableEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        endpoint.validate();
        return endpoint;
    }
}
