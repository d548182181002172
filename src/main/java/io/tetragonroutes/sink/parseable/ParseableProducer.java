package io.tetragonroutes.sink.parseable;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.sink.Delivery;
import io.tetragonroutes.sink.http.HttpSinkClient;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends a batch to Parseable as JSON arrays ({@code POST /api/v1/ingest}, {@code X-P-Stream}), split by count and
 * bytes, and reads each answer as Parseable means it:
 * <ul>
 * <li>200: accepted.</li>
 * <li>400 (a bad event) and 413 (too large): the request is split in halves until the refused event stands alone;
 * it is dead-lettered with Parseable's text and the rest is sent.</li>
 * <li>404 (the stream is gone): the stream is created again, once per batch, and the request repeated.</li>
 * <li>401/403: the credentials are wrong. Reported once as an error, then the sink holds off (no request) for
 * {@link HttpSinkClient#CREDENTIALS_HOLD_OFF_MS}, so a bad password neither spins nor locks the account; the tail
 * pauses.</li>
 * <li>5xx, timeouts, refused connections: retried with backoff and jitter by the client, then by the route.</li>
 * </ul>
 * Progress is kept per batch ({@link Delivery}): a redelivery resumes after what Parseable accepted.
 */
final class ParseableProducer extends DefaultProducer {

    private static final Logger LOG = LoggerFactory.getLogger(ParseableProducer.class);

    private final HttpSinkClient client;
    private final String stream;
    private final boolean flatten;
    private final long maxBatchBytes;
    private final int maxBatchEvents;
    private final Map<String, String> headers;
    private final ObjectMapper mapper = new ObjectMapper();
    private final ParseableFlattener flattener = new ParseableFlattener(mapper);
    private volatile boolean streamReady;

    ParseableProducer(ParseableEndpoint endpoint, HttpSinkClient client, String stream, boolean flatten,
                      long maxBatchBytes, int maxBatchEvents, Map<String, String> metadata) {
        super(endpoint);
        this.client = client;
        this.stream = stream;
        this.flatten = flatten;
        this.maxBatchBytes = maxBatchBytes;
        this.maxBatchEvents = maxBatchEvents;
        Map<String, String> h = new LinkedHashMap<>(metadata);
        h.put("X-P-Stream", stream);
        h.put("Content-Type", "application/json");
        this.headers = Map.copyOf(h);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        try {
            createStream(); // up front, so a wrong URL or password shows at start-up
        } catch (IOException e) {
            LOG.warn("Parseable {}: could not create stream '{}' at start ({}); will try again with the first batch",
                    client.where(), stream, e.getMessage());
        }
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        List<TetragonEvent> events = exchange.getMessage().getMandatoryBody(EventBatch.class).list();
        Delivery delivery = Delivery.of(exchange, getEndpoint().getEndpointUri());
        if (!streamReady) {
            createStream();
        }
        byte[][] docs = new byte[events.size()][];
        boolean recreated = false;
        for (int from = delivery.nextPending(0); from < events.size(); from = delivery.nextPending(from)) {
            int to = from;
            long bytes = 2;
            while (to < events.size() && to - from < maxBatchEvents) {
                if (docs[to] == null) {
                    docs[to] = serialize(events.get(to));
                }
                if (to > from && bytes + docs[to].length + 1 > maxBatchBytes) {
                    break;
                }
                bytes += docs[to].length + 1;
                to++;
            }
            recreated = send(events, docs, from, to, delivery, recreated);
        }
        delivery.finish();
    }

    /** Sends [from, to); returns whether the stream was re-created while doing so. */
    private boolean send(List<TetragonEvent> events, byte[][] docs, int from, int to, Delivery delivery,
                         boolean recreated) throws IOException, InterruptedException {
        HttpSinkClient.Response r = client.send("POST", "api/v1/ingest", headers, array(docs, from, to));
        if (r.ok()) {
            delivery.accepted(from, to);
            return recreated;
        }
        if (r.status() == 404 && !recreated) {
            LOG.warn("Parseable {}: stream '{}' is gone ({}); creating it again", client.where(), stream,
                    HttpSinkClient.clip(r.body()));
            streamReady = false;
            createStream();
            return send(events, docs, from, to, delivery, true);
        }
        if (r.status() >= 400 && r.status() < 500 && r.status() != 404) {
            if (to - from == 1) {
                TetragonEvent e = events.get(from);
                String reason = r.status() == 413 ? "parseable_too_large" : "parseable_rejected";
                LOG.warn("Parseable {} refused an event (HTTP {}): dead-lettered", client.where(), r.status());
                delivery.rejected(from, new DeadLetter(reason, "HTTP " + r.status() + " from " + client.where()
                        + ": " + HttpSinkClient.clip(r.body()), e.sourceFile(), e.sourceOffset(), docs[from].length,
                        docs[from], null, Instant.now()));
                return recreated;
            }
            int mid = (from + to) >>> 1; // isolate the refused event(s); the others go through
            boolean again = send(events, docs, from, mid, delivery, recreated);
            return send(events, docs, mid, to, delivery, again);
        }
        throw new IOException("Parseable " + client.where() + " answered HTTP " + r.status() + " for stream '"
                + stream + "': " + HttpSinkClient.clip(r.body()));
    }

    private void createStream() throws IOException, InterruptedException {
        HttpSinkClient.Response r = client.send("PUT", "api/v1/logstream/" + stream, Map.of(), null);
        if (r.ok() || (r.status() == 400 && r.body().contains("already exists"))) {
            streamReady = true;
            return;
        }
        throw new IOException("Parseable " + client.where() + " did not create stream '" + stream + "': HTTP "
                + r.status() + " " + HttpSinkClient.clip(r.body()));
    }

    private byte[] serialize(TetragonEvent e) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        if (flatten) {
            try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
                flattener.write(e, g);
            }
        } else {
            e.writeJson(out, mapper);
        }
        return out.toByteArray();
    }

    private static byte[] array(byte[][] docs, int from, int to) {
        int len = 2 + Math.max(0, to - from - 1);
        for (int i = from; i < to; i++) {
            len += docs[i].length;
        }
        byte[] body = new byte[len];
        int p = 0;
        body[p++] = '[';
        for (int i = from; i < to; i++) {
            if (i > from) {
                body[p++] = ',';
            }
            System.arraycopy(docs[i], 0, body, p, docs[i].length);
            p += docs[i].length;
        }
        body[p] = ']';
        return body;
    }
}
