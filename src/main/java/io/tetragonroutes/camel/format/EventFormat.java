package io.tetragonroutes.camel.format;

import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.TetragonEvent;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.spi.DataFormat;
import org.apache.camel.spi.DataFormatName;
import org.apache.camel.support.service.ServiceSupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A format the kit's own sinks send, as a Camel data format, so any sink can send it too:
 * {@code - marshal: {custom: {ref: tetragon-ecs}}} (or the {@code tetragon-format-action} kamelet) before a stock
 * {@code to:}. An {@link EventBatch} becomes one document per line (newline-delimited), one {@link TetragonEvent} (a
 * split exchange) one document. A new format is one subclass with its {@code write} and a
 * {@code META-INF/services/org/apache/camel/dataformat/<name>} file naming it. Marshal only: the kit reads Tetragon's
 * own export, not these documents.
 */
public abstract class EventFormat extends ServiceSupport implements DataFormat, DataFormatName {

    /** Writes one event's document, without a newline. */
    protected abstract void write(TetragonEvent event, OutputStream out) throws IOException;

    @Override
    public void marshal(Exchange exchange, Object graph, OutputStream out) throws Exception {
        if (graph instanceof EventBatch batch) {
            for (TetragonEvent e : batch.list()) {
                write(e, out);
                out.write('\n');
            }
        } else if (graph instanceof TetragonEvent e) {
            write(e, out);
        } else {
            throw new InvalidPayloadException(exchange, EventBatch.class);
        }
    }

    @Override
    public Object unmarshal(Exchange exchange, InputStream stream) {
        throw new UnsupportedOperationException(getDataFormatName() + " only marshals: Tetragon's events are read "
                + "from its export by the tetragon-file-source kamelet");
    }
}
