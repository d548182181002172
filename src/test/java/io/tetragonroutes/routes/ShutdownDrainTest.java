package io.tetragonroutes.routes;

import io.tetragonroutes.demo.LumberjackWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.Properties;
import java.util.Set;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stop in the middle of a busy stream (what SIGTERM does in the app) drains the batches in flight within
 * tetragon.shutdown.timeout-seconds: the checkpoint it leaves covers exactly the lines whose alerts the webhook
 * accepted. When the sink cannot take them in time the stop still ends on time and nothing unaccepted is
 * acknowledged, so the next start reads those batches again (resuming from the checkpoint: TailTest, KitKillNineIT).
 */
@Timeout(120)
class ShutdownDrainTest extends ExecAlertsTestSupport {

    private static final int TIMEOUT_SECONDS = 4;
    private final ExecAlerts gen = new ExecAlerts(31, "drain-node");

    @Override
    protected void properties(Properties p) {
        super.properties(p);
        p.put("tetragon.export.batch-size", "10");
        p.put("tetragon.shutdown.timeout-seconds", String.valueOf(TIMEOUT_SECONDS));
    }

    @Test
    void aStopMidStreamDrainsTheBatchesInFlightAndCheckpointsExactlyWhatWasDelivered() throws Exception {
        receiver.slow(Duration.ofMillis(100));
        Set<String> execIds;
        try (LumberjackWriter w = new LumberjackWriter(export, 10_000_000, 5, false)) {
            execIds = gen.write(w, 400);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> gen.delivered(receiver).size() >= 5);

        long t0 = System.nanoTime();
        context.stop();
        long tookMs = (System.nanoTime() - t0) / 1_000_000;

        assertTrue(tookMs < TIMEOUT_SECONDS * 1000L, "the drain fits in the timeout: " + tookMs + " ms");
        Set<String> delivered = gen.delivered(receiver);
        assertTrue(delivered.size() < execIds.size(), "stopped mid-stream: " + delivered.size() + " of " + execIds.size());
        long cp = committedOffset();
        assertTrue(cp > 0, "the drained batches were acknowledged");
        // nothing acknowledged that the webhook did not accept, and nothing accepted left unacknowledged
        assertEquals(delivered, gen.execsBefore(cp));
    }

    @Test
    void aSinkThatCannotTakeTheBatchesStopsOnTimeWithoutAcknowledgingThem() throws Exception {
        receiver.failFor(Duration.ofMinutes(5), 503);
        Set<String> execIds;
        try (LumberjackWriter w = new LumberjackWriter(export, 10_000_000, 5, false)) {
            execIds = gen.write(w, 100);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.requests().size() >= 2);

        long t0 = System.nanoTime();
        context.stop();
        long tookMs = (System.nanoTime() - t0) / 1_000_000;

        assertTrue(tookMs < (TIMEOUT_SECONDS + 5) * 1000L, "the stop gives up after the timeout: " + tookMs + " ms");
        assertEquals(Set.of(), gen.execsBefore(committedOffset()), "no alert acknowledged that the webhook refused");

        assertTrue(gen.delivered(receiver).isEmpty());
        assertTrue(execIds.size() > 10, "the stream had alerts to hold back: " + execIds.size());
    }
}
