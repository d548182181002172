package io.tetragonroutes.sink;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.JsonBuffer;
import io.tetragonroutes.event.TetragonEvent;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Processor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;

/**
 * Serializes a batch once into newline-delimited JSON: an {@link EventBatch} (each event as Tetragon wrote it plus
 * added fields) or a collection of {@link DeadLetter}s. Sets {@link #COUNT} for the shipped-events metric.
 * <p>
 * An event batch becomes an {@link NdjsonStream} over a buffer this thread reuses, which the file producer reads
 * into its channel: a batch is about 2 MB, and copying it into an exact-size array first cost a copy, the zeroing
 * of the array and its share of young collections.
 */
public final class NdjsonFormatter implements Processor {

    public static final String COUNT = "TetragonEventCount";

    private final ObjectMapper mapper;

    public NdjsonFormatter(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Object body = exchange.getMessage().getBody();
        if (body instanceof EventBatch batch) {
            exchange.getMessage().setBody(stream(batch));
            exchange.getMessage().setHeader(COUNT, batch.size());
        } else if (body instanceof Collection<?> c && c.stream().allMatch(DeadLetter.class::isInstance)) {
            exchange.getMessage().setBody(deadLetters(c));
            exchange.getMessage().setHeader(COUNT, c.size());
        } else {
            throw new InvalidPayloadException(exchange, EventBatch.class);
        }
    }

    /** The batch as NDJSON, a line per event, in a buffer this thread takes back once the stream is read out. */
    public NdjsonStream stream(EventBatch batch) throws IOException {
        NdjsonStream lines = NdjsonStream.open();
        JsonBuffer out = lines.buffer();
        try {
            for (TetragonEvent e : batch.list()) {
                e.writeJson(out, mapper);
                out.write('\n');
            }
        } catch (IOException | RuntimeException e) {
            lines.close();
            throw e;
        }
        return lines;
    }

    /** The batch as NDJSON in an array of its own. */
    public byte[] events(EventBatch batch) throws IOException {
        try (InputStream in = stream(batch)) {
            return in.readAllBytes();
        }
    }

    private byte[] deadLetters(Collection<?> letters) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o : letters) {
            try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
                g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
                ((DeadLetter) o).write(g);
            }
            out.write('\n');
        }
        return out.toByteArray();
    }
}
