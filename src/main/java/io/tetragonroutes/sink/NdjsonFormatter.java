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
import java.util.Collection;

/**
 * Serializes a batch once into newline-delimited JSON: an {@link EventBatch} (each event as Tetragon wrote it plus
 * added fields) or a collection of {@link DeadLetter}s. Sets {@link #COUNT} for the shipped-events metric.
 */
public final class NdjsonFormatter implements Processor {

    public static final String COUNT = "TetragonEventCount";

    /** A batch's worth (1000 events of about 2 KB) is kept per thread; a bigger one is given back after use. */
    private static final int KEEP = 8 << 20;
    private static final ThreadLocal<JsonBuffer> BUFFER = ThreadLocal.withInitial(() -> new JsonBuffer(1 << 20));

    private final ObjectMapper mapper;

    public NdjsonFormatter(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Object body = exchange.getMessage().getBody();
        if (body instanceof EventBatch batch) {
            exchange.getMessage().setBody(events(batch));
            exchange.getMessage().setHeader(COUNT, batch.size());
        } else if (body instanceof Collection<?> c && c.stream().allMatch(DeadLetter.class::isInstance)) {
            exchange.getMessage().setBody(deadLetters(c));
            exchange.getMessage().setHeader(COUNT, c.size());
        } else {
            throw new InvalidPayloadException(exchange, EventBatch.class);
        }
    }

    public byte[] events(EventBatch batch) throws IOException {
        JsonBuffer out = BUFFER.get();
        out.reset();
        try {
            for (TetragonEvent e : batch.getEvents()) {
                e.writeJson(out, mapper);
                out.write('\n');
            }
            return out.toByteArray();
        } finally {
            out.reset(KEEP);
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
