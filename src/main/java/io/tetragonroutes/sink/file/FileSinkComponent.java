package io.tetragonroutes.sink.file;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

import java.util.Map;

/**
 * {@code tetragon-file:<directory>?fileName=events.ndjson&maxFileSizeMb=100&maxBackups=5}: appends each batch's
 * NDJSON to a file rotated by size (see {@link RotatingFile}). Used by {@code kamelets/tetragon-file-sink.kamelet.yaml}.
 */
public class FileSinkComponent extends DefaultComponent {

    public static final String SCHEME = "tetragon-file";

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        FileSinkEndpoint endpoint = new FileSinkEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        endpoint.validate();
        return endpoint;
    }
}
