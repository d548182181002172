package io.tetragonroutes.sink.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends a batch as {@code POST /_bulk} NDJSON ({@code create} into the data stream by default) and reads the
 * answer item by item: 2xx accepted; 429 and 5xx items (and only those) sent again, with backoff and jitter, up to
 * {@code maxAttempts} rounds, then the exchange fails and the route's redelivery resumes with just those items; any
 * other 4xx item (a mapping conflict, a missing {@code @timestamp}) is dead-lettered with Elasticsearch's error
 * type and reason, never sent again. A whole request refused as too large (413) is split. 401/403 fail the batch
 * with a credentials error; the tail pauses and nothing is lost.
 */
final class ElasticsearchProducer extends DefaultProducer {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchProducer.class);
    private static final Map<String, String> NDJSON = Map.of("Content-Type", "application/x-ndjson");
    private static final byte[] ID_END = "\"}}\n".getBytes(StandardCharsets.US_ASCII);
    private static final String DUPLICATES = io.tetragonroutes.sink.ShippedCounter.DUPLICATES;

    private final HttpSinkClient client;
    private final IndexName index;
    private final String opType;
    private final EcsDocument ecs;
    private final long maxBatchBytes;
    private final int maxBatchEvents;
    private final int maxRounds;
    /** {@code {"<opType>":{"_index":"<target>","_id":"} for a target without a date: the id and {@code "}}} follow. */
    private final byte[] fixedAction;
    private final ObjectMapper mapper = new ObjectMapper();
    /** The template and lifecycle to install before the first document, until that has succeeded; or null. */
    private volatile ElasticsearchSetup setup;

    ElasticsearchProducer(ElasticsearchEndpoint endpoint, HttpSinkClient client, IndexName index, String opType,
                          EcsDocument ecs, long maxBatchBytes, int maxBatchEvents, int maxRounds,
                          ElasticsearchSetup setup) {
        super(endpoint);
        this.setup = setup;
        this.client = client;
        this.index = index;
        this.opType = opType;
        this.ecs = ecs;
        this.maxBatchBytes = maxBatchBytes;
        this.maxBatchEvents = maxBatchEvents;
        this.maxRounds = Math.max(1, maxRounds);
        this.fixedAction = index.date() == null ? actionJson(index.prefix()) : null;
    }

    /** The action's bytes up to its {@code _id} value. */
    private byte[] actionJson(String target) {
        try {
            String index = mapper.writeValueAsString(target);
            return ("{\"" + opType + "\":{\"_index\":" + index + ",\"_id\":\"").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The items still to retry after one round, and why the last of them failed. */
    private static final class Round {
        final List<Integer> retry = new ArrayList<>();
        String lastReason;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        try {
            setUp();
        } catch (IOException e) {
            LOG.warn("Elasticsearch {}: setup failed at start ({}); will try again before the first batch",
                    client.where(), e.getMessage());
        }
    }

    /** Runs the setup once it succeeds; until then before each batch (a cluster down at start is not fatal). */
    private void setUp() throws IOException, InterruptedException {
        ElasticsearchSetup s = setup;
        if (s != null) {
            synchronized (this) {
                if (setup != null) {
                    setup.run();
                    setup = null;
                }
            }
        }
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        setUp();
        List<TetragonEvent> events = exchange.getMessage().getMandatoryBody(EventBatch.class).list();
        Delivery delivery = Delivery.of(exchange, getEndpoint().getEndpointUri());
        byte[][] docs = new byte[events.size()][];
        ByteArrayOutputStream buf = new ByteArrayOutputStream(8192);
        long backoff = 200;
        for (int round = 1; ; round++) {
            Round r = new Round();
            List<Integer> chunk = new ArrayList<>();
            long bytes = 0;
            for (int i = delivery.nextPending(0); i < events.size(); i = delivery.nextPending(i + 1)) {
                if (docs[i] == null) {
                    docs[i] = item(events.get(i), buf);
                }
                if (!chunk.isEmpty() && (chunk.size() >= maxBatchEvents || bytes + docs[i].length > maxBatchBytes)) {
                    bulk(exchange, events, docs, chunk, delivery, r);
                    chunk = new ArrayList<>();
                    bytes = 0;
                }
                chunk.add(i);
                bytes += docs[i].length;
            }
            if (!chunk.isEmpty()) {
                bulk(exchange, events, docs, chunk, delivery, r);
            }
            if (r.retry.isEmpty()) {
                break;
            }
            if (round >= maxRounds) {
                throw new IOException("Elasticsearch " + client.where() + " did not take " + r.retry.size()
                        + " documents after " + round + " rounds; last: " + r.lastReason);
            }
            LOG.debug("Elasticsearch {}: {} documents to send again ({})", client.where(), r.retry.size(), r.lastReason);
            Thread.sleep(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
            backoff = Math.min(backoff * 2, 5000);
        }
        delivery.finish();
    }

    /** One NDJSON action + document pair, written through {@code buf} (reused for the batch). */
    private byte[] item(TetragonEvent e, ByteArrayOutputStream buf) throws IOException {
        buf.reset();
        buf.write(fixedAction != null ? fixedAction : actionJson(index.forTime(e.time())));
        buf.write(e.id().getBytes(StandardCharsets.US_ASCII)); // URL-safe base64: nothing to escape
        buf.write(ID_END);
        ecs.write(e, buf);
        buf.write('\n');
        return buf.toByteArray();
    }

    private void bulk(Exchange exchange, List<TetragonEvent> events, byte[][] docs, List<Integer> chunk,
                      Delivery delivery, Round round) throws IOException, InterruptedException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i : chunk) {
            body.write(docs[i]);
        }
        HttpSinkClient.Response resp = client.send("POST", "_bulk", NDJSON, body.toByteArray());
        if (!resp.ok()) {
            if (chunk.size() > 1) { // too large, or refused as a whole: find the culprit by halves
                int mid = chunk.size() / 2;
                bulk(exchange, events, docs, chunk.subList(0, mid), delivery, round);
                bulk(exchange, events, docs, chunk.subList(mid, chunk.size()), delivery, round);
                return;
            }
            reject(events, chunk.get(0), delivery, resp.status() == 413 ? "elasticsearch_too_large"
                    : "elasticsearch_rejected", "HTTP " + resp.status() + " " + HttpSinkClient.clip(resp.body()));
            return;
        }
        JsonNode answer = mapper.readTree(resp.body());
        JsonNode items = answer.path("items");
        if (!answer.path("errors").asBoolean(false)) {
            for (int i : chunk) {
                delivery.accepted(i, i + 1);
            }
            return;
        }
        if (items.size() != chunk.size()) {
            throw new IOException("Elasticsearch " + client.where() + " answered " + items.size() + " items for "
                    + chunk.size() + " documents");
        }
        for (int k = 0; k < chunk.size(); k++) {
            int i = chunk.get(k);
            JsonNode item = items.get(k).elements().next(); // {"create": {...}}
            int status = item.path("status").asInt();
            JsonNode error = item.path("error");
            String why = error.path("type").asText("") + ": " + error.path("reason").asText("");
            if (status >= 200 && status < 300) {
                delivery.accepted(i, i + 1);
            } else if (status == 409 && opType.equals("create")
                    && "version_conflict_engine_exception".equals(error.path("type").asText())) {
                // a document with this event's id is there: the line was shipped before (a restart without its
                // checkpoint, an overlapping backfill, a replayed partition). Taken, counted, never resent.
                delivery.accepted(i, i + 1);
                Integer dup = exchange.getMessage().getHeader(DUPLICATES, Integer.class);
                exchange.getMessage().setHeader(DUPLICATES, dup == null ? 1 : dup + 1);
            } else if (status == 429 || status >= 500) {
                round.retry.add(i);
                round.lastReason = "HTTP " + status + " " + why;
            } else {
                reject(events, i, delivery, "elasticsearch_rejected", "HTTP " + status + " " + why);
            }
        }
    }

    private void reject(List<TetragonEvent> events, int i, Delivery delivery, String reason, String why) {
        TetragonEvent e = events.get(i);
        LOG.warn("Elasticsearch {} refused a document ({}): dead-lettered", client.where(), why);
        delivery.rejected(i, e.deadLetter(reason, why + " (from " + client.where() + ")"));
    }
}
