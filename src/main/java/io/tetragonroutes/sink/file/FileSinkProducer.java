package io.tetragonroutes.sink.file;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultProducer;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

/**
 * Appends the body (the {@code tetragonNdjson} step's stream, or any bytes) to the endpoint's file. A failure fails
 * the exchange, so the sinks' route retries the batch in place, and the tail does not acknowledge it meanwhile.
 */
final class FileSinkProducer extends DefaultProducer {

    private final RotatingFile file;

    FileSinkProducer(FileSinkEndpoint endpoint, RotatingFile file) {
        super(endpoint);
        this.file = file;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Message in = exchange.getMessage();
        Object body = in.getBody();
        if (body instanceof byte[] bytes) {
            file.append(new ByteArrayInputStream(bytes), bytes.length);
        } else {
            try (InputStream stream = in.getMandatoryBody(InputStream.class)) {
                file.append(stream, stream.available()); // exact for the NDJSON stream; a lower bound otherwise
            }
        }
    }
}
