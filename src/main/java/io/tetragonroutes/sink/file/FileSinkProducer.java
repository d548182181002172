package io.tetragonroutes.sink.file;

import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultProducer;

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
        // bytes or a String arrive as a ByteArrayInputStream, whose available() is exact, as the NDJSON stream's is
        try (InputStream stream = exchange.getMessage().getMandatoryBody(InputStream.class)) {
            file.append(stream, stream.available()); // a lower bound for other streams: checked as at least that
        }
    }
}
