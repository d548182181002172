package io.tetragonroutes.rules.parseable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.sink.webhook.WebhookClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One target of a Parseable alert (webhook, slack or alertmanager) with Parseable's repeat semantics:
 * on the transition to firing, notify at once and then every {@code repeat.interval} while the alert is still
 * firing, at most {@code repeat.times} times (0 = no limit); after the last repeat say that the alert is paused
 * until it resolves. A resolve is notified once. Defaults as Parseable's: interval 200 s, times 5.
 * Notifications are sent off the pipeline thread, with the client's retries; like Parseable's, they are
 * best-effort (the {@code alerts} output is the at-least-once path).
 */
final class AlertTarget {

    private static final Logger LOG = LoggerFactory.getLogger(AlertTarget.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Type { WEBHOOK, SLACK, ALERTMANAGER }

    /** What is sent: Parseable's texts and fields. */
    record Context(String alertName, String stream, String message, String reason) {
        String firingText() {
            return alertName + " triggered on " + stream + "\nMessage: " + message + "\nFailing Condition: " + reason;
        }

        String resolvedText() {
            return alertName + " on " + stream + " is now resolved ";
        }
    }

    private final Type type;
    private final WebhookClient client;
    private final Duration interval;
    private final int times;
    private final ScheduledExecutorService scheduler;

    // Parseable's TimeoutState, guarded by this
    private boolean firing;
    private boolean timedOut;
    private boolean awaitingResolve;
    private ScheduledFuture<?> repeater;
    private int repeatsDone;
    private Context lastContext;
    private CompletableFuture<Void> sending = CompletableFuture.completedFuture(null);

    AlertTarget(Type type, WebhookClient client, Duration interval, int times, ScheduledExecutorService scheduler) {
        this.type = type;
        this.client = client;
        this.interval = interval;
        this.times = times;
        this.scheduler = scheduler;
    }

    synchronized void setToFiring(Context ctx) {
        firing = true;
        if (timedOut) {
            return; // inside the repeat period: the repeats carry it
        }
        timedOut = true;
        awaitingResolve = true;
        lastContext = ctx;
        repeatsDone = 0;
        send(ctx, true);
        if (repeater != null) {
            repeater.cancel(false); // a resolve ended the last period early; one repeat timer at a time
        }
        repeater = scheduler.scheduleWithFixedDelay(this::repeat, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    synchronized void resolved(Context ctx) {
        firing = false;
        if (timedOut) {
            if (!awaitingResolve) {
                return; // one resolve per repeat period
            }
            awaitingResolve = false;
        }
        send(ctx, false);
    }

    private synchronized void repeat() {
        if (firing) {
            awaitingResolve = true;
            send(lastContext, true);
        } else {
            timedOut = false;
        }
        repeatsDone++;
        if (times > 0 && repeatsDone >= times) {
            repeater.cancel(false);
            repeater = null;
            timedOut = false;
            send(new Context(lastContext.alertName(), lastContext.stream(), "Triggering alert did not resolve itself after "
                    + times + " retries, This alert is paused until it resolves", lastContext.reason()), true);
        }
    }

    synchronized void close() {
        if (repeater != null) {
            repeater.cancel(false);
        }
    }

    private void send(Context ctx, boolean firingNow) {
        byte[] body;
        String contentType;
        switch (type) {
            case SLACK -> {
                ObjectNode o = JSON.createObjectNode();
                o.put("text", firingNow ? ctx.firingText() : ctx.resolvedText());
                body = o.toString().getBytes(StandardCharsets.UTF_8);
                contentType = "application/json";
            }
            case ALERTMANAGER -> {
                ArrayNode a = JSON.createArrayNode();
                ObjectNode alert = a.addObject();
                ObjectNode labels = alert.putObject("labels");
                labels.put("alertname", ctx.alertName());
                labels.put("stream", ctx.stream());
                labels.put("status", firingNow ? "firing" : "resolved");
                ObjectNode ann = alert.putObject("annotations");
                ann.put("message", ctx.message());
                ann.put("reason", ctx.reason());
                body = a.toString().getBytes(StandardCharsets.UTF_8);
                contentType = "application/json";
            }
            default -> {
                body = (firingNow ? ctx.firingText() : ctx.resolvedText()).getBytes(StandardCharsets.UTF_8);
                contentType = "text/plain; charset=utf-8";
            }
        }
        // chained: a target gets its notifications in the order they happened (firing before resolved)
        sending = sending.thenRunAsync(() -> {
            try {
                client.post(body, contentType);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.warn("Alert '{}' notification to {} failed: {}", ctx.alertName(), client.where(), e.getMessage());
            }
        }, scheduler);
    }
}
