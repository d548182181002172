package io.tetragonroutes.sink.webhook;

import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.sink.Delivery;
import io.tetragonroutes.sink.NdjsonFormatter;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * POSTs every event of the batch (the alerts output's events) to the webhook, in order, each with the client's
 * retries. The exchange fails when the receiver stays unavailable, so the batch is retried and nothing is lost.
 * An alert the receiver refuses (4xx) is not retried: it becomes a dead letter ({@code webhook_rejected}, with
 * the receiver's answer) in the {@link Delivery#REJECTED} property for the kamelet to route, as the other sinks do.
 * With {@code repeatTimes > 0}, each fired alert is sent again every {@code repeatInterval}, {@code repeatTimes}
 * times (best effort, as Parseable's targets do); one repeat series per rule, pod and binary at a time.
 */
final class WebhookProducer extends DefaultProducer {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookProducer.class);

    private final WebhookClient client;
    private final AlertJson json;
    private final Duration repeatInterval;
    private final int repeatTimes;
    private final Map<String, Boolean> repeating = new ConcurrentHashMap<>();
    private ScheduledExecutorService repeater;

    WebhookProducer(WebhookEndpoint endpoint, WebhookClient client, AlertJson json, Duration repeatInterval,
                    int repeatTimes) {
        super(endpoint);
        this.client = client;
        this.json = json;
        this.repeatInterval = repeatInterval;
        this.repeatTimes = repeatTimes;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        if (repeatTimes > 0 && !repeatInterval.isZero()) {
            repeater = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tetragon-webhook-repeat");
                t.setDaemon(true);
                return t;
            });
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (repeater != null) {
            repeater.shutdownNow();
        }
        super.doStop();
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        EventBatch batch = exchange.getMessage().getMandatoryBody(EventBatch.class);
        List<DeadLetter> rejected = new ArrayList<>();
        int sent = 0;
        for (TetragonEvent e : batch.list()) {
            byte[] body = json.body(e);
            try {
                client.post(body, "application/json");
                sent++;
                scheduleRepeats(e, body);
            } catch (WebhookClient.Rejected r) {
                LOG.warn("Webhook {} refused an alert ({}): dead-lettered", client.where(), r.status());
                rejected.add(new DeadLetter("webhook_rejected", "HTTP " + r.status() + " from " + client.where() + ": "
                        + r.response(), e.sourceFile(), e.sourceOffset(), body.length, body, null, Instant.now()));
            }
        }
        exchange.getMessage().setHeader(NdjsonFormatter.COUNT, sent);
        if (!rejected.isEmpty()) {
            exchange.setProperty(Delivery.REJECTED, new EventBatch(List.of(), rejected));
        }
    }

    private void scheduleRepeats(TetragonEvent e, byte[] body) {
        if (repeater == null) {
            return;
        }
        String key = e.extras().path("rule").path("ids").toString() + '\u0000' + e.podBinaryKey();
        if (repeating.putIfAbsent(key, Boolean.TRUE) != null) {
            return;
        }
        AtomicInteger left = new AtomicInteger(repeatTimes);
        Runnable[] task = new Runnable[1];
        task[0] = () -> {
            try {
                client.post(body, "application/json");
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception ex) {
                LOG.warn("Webhook {}: a repeat of an alert failed: {}", client.where(), ex.getMessage());
            }
            if (left.decrementAndGet() > 0) {
                repeater.schedule(task[0], repeatInterval.toMillis(), TimeUnit.MILLISECONDS);
            } else {
                repeating.remove(key);
            }
        };
        repeater.schedule(task[0], repeatInterval.toMillis(), TimeUnit.MILLISECONDS);
    }
}
