package io.tetragonroutes.tail;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One thread reads batches and hands them to the route asynchronously, at most {@code maxInflight} at a time: when
 * sinks are slow the tail stops reading (back-pressure) instead of buffering. A batch that fails makes the tail wait
 * for the others, go back to the last committed position and read again, with growing pauses: nothing is skipped.
 */
public class TailConsumer extends DefaultConsumer {

    /** Header: number of lines in the batch. */
    public static final String LINES = "TetragonLineCount";
    /** Header: the backfill's id, on the batches of a backfill (rules mark its alerts). */
    public static final String BACKFILL = "TetragonBackfill";

    private static final Logger LOG = LoggerFactory.getLogger(TailConsumer.class);
    /** Lines in the first batch after a start (see {@link #loop}). */
    static final int FIRST_BATCH = 16;

    private final TailEndpoint endpoint;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private volatile boolean running;
    private volatile LineSource source;
    private ExecutorService executor;
    private CheckpointStore store;
    private AckTracker tracker;
    private TailMetrics metrics;
    /** When this consumer runs a backfill: told when every line was read and accepted. */
    private BackfillPlan backfill;
    private Checkpoint saved;

    TailConsumer(TailEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
        this.endpoint = endpoint;
    }

    public boolean isReading() {
        LineSource s = source;
        return running && s != null && s.reading();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        metrics = endpoint.newMetrics();
        Checkpoint start = null;
        if (!endpoint.isStdin()) {
            store = new CheckpointStore(endpoint.checkpointFile());
            start = store.load();
            saved = start;
            if (start != null) {
                LOG.info("Checkpoint {}: {} at byte {}", store.file(), start.file(), start.offset());
            }
        }
        tracker = new AckTracker(start);
        source = newSource(start);
        running = true;
        endpoint.register(this);
        executor = getEndpoint().getCamelContext().getExecutorServiceManager()
                .newSingleThreadExecutor(this, "tetragon-tail");
        executor.submit(this::loop);
    }

    @Override
    protected void doStop() throws Exception {
        running = false;
        stopSignal.countDown();
        endpoint.unregister(this);
        // One budget for the whole drain: the reading thread may itself be delivering a batch (sinks run in-line),
        // then the batches other threads still hold. What is not accepted by then is read again at the next start.
        long deadline = System.nanoTime() + endpoint.drainTimeoutMs() * 1_000_000;
        if (executor != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager()
                    .shutdownGraceful(executor, Math.max(1, endpoint.drainTimeoutMs()));
            executor = null;
        }
        long leftMs = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        if (tracker != null && !tracker.awaitIdle(leftMs)) {
            LOG.warn("Stopped with {} batches still in flight; they will be read again on the next start",
                    tracker.inflight());
        }
        persist();
        if (source != null) {
            source.close();
        }
        super.doStop();
    }

    private LineSource newSource(Checkpoint start) throws IOException {
        LineSplitter splitter = new LineSplitter(endpoint.getMaxLineBytes(), endpoint.spillDir());
        if (endpoint.isBackfill()) {
            backfill = getEndpoint().getCamelContext().getRegistry().lookupByNameAndType(BackfillPlan.BEAN,
                    BackfillPlan.class);
            if (backfill == null || !endpoint.getPath().equals(backfill.path())) {
                throw new IllegalStateException(endpoint.getPath() + ": no backfill plan with that id in the registry");
            }
            return new BackfillSource(backfill, start, splitter);
        }
        if (endpoint.isStdin()) {
            return new StdinSource(System.in, splitter);
        }
        return new ExportFollower(Path.of(endpoint.getPath()), endpoint.getStartAt(), start, splitter,
                metrics);
    }

    private void loop() {
        long backoff = 0;
        // Slow start: the first batches are small and double up to batchSize. At start-up every step runs cold
        // (interpreted, classes loading), so a full first batch of a backlog takes a few hundred ms to get through
        // the route; a small one ships the first events, and surfaces a sink's errors, that much sooner.
        int ramp = FIRST_BATCH;
        while (running) {
            try {
                if (tracker.failed()) {
                    backoff = nextBackoff(backoff);
                    recover(backoff);
                    continue;
                }
                if (tracker.inflight() >= endpoint.getMaxInflight()) {
                    long waitFrom = System.nanoTime();
                    tracker.awaitIdle(endpoint.getPollDelayMs());
                    metrics.waited(System.nanoTime() - waitFrom);
                    continue;
                }
                int maxLines = Math.min(endpoint.getBatchSize(), ramp);
                LineBatch.Builder b = LineBatch.builder(maxLines);
                source.poll(b, maxLines, endpoint.getBatchBytes());
                long lingerUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(endpoint.getLingerMs());
                while (running && !b.isEmpty() && b.size() < maxLines
                        && b.bytes() < endpoint.getBatchBytes() && System.nanoTime() < lingerUntil) {
                    pause(Math.min(endpoint.getPollDelayMs(),
                            TimeUnit.NANOSECONDS.toMillis(lingerUntil - System.nanoTime()) + 1));
                    source.poll(b, maxLines, endpoint.getBatchBytes());
                }
                if (b.isEmpty()) {
                    idle();
                    persist();
                    if (backfill != null && source.ended() && tracker.inflight() == 0 && !tracker.failed()) {
                        backfill.finished();
                    }
                    pause(source.ended() ? 1000 : endpoint.getPollDelayMs());
                    continue;
                }
                dispatch(b.build(), source.position());
                persist();
                backoff = 0;
                ramp = 2 * maxLines; // at most twice batchSize: maxLines never exceeds it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Error e) {
                // the executor's Future would swallow it and the tail would stop without a word
                LOG.error("The tail of {} stopped: {}", endpoint.getPath(), e.toString(), e);
                throw e;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                backoff = nextBackoff(backoff);
                LOG.warn("Reading {} failed ({}); retrying from the last checkpoint in {} ms", endpoint.getPath(),
                        e.toString(), backoff);
                try {
                    recover(backoff);
                } catch (Exception again) {
                    LOG.debug("recovery failed, will retry", again);
                }
            }
        }
    }

    private void dispatch(LineBatch batch, Checkpoint end) {
        metrics.batch(batch);
        Exchange exchange = createExchange(false);
        exchange.getMessage().setBody(batch);
        if (backfill != null) {
            exchange.getMessage().setHeader(BACKFILL, backfill.id());
        }
        exchange.getMessage().setHeader(LINES, batch.size());
        Object token = tracker.begin(end);
        getAsyncProcessor().process(exchange, doneSync -> {
            Exception failure = exchange.getException();
            if (failure != null) {
                getExceptionHandler().handleException(
                        "A batch of " + batch.size() + " lines was not accepted downstream; it will be read again",
                        exchange, failure);
            }
            tracker.complete(token, failure == null);
            releaseExchange(exchange, false);
        });
    }

    /** Waits for in-flight batches, then goes back to the last committed position. */
    private void recover(long backoff) throws Exception {
        tracker.awaitIdle(endpoint.drainTimeoutMs());
        if (tracker.inflight() > 0) {
            return;
        }
        Checkpoint back = tracker.committed();
        metrics.retried();
        LOG.warn("Re-reading {} from {} in {} ms", endpoint.getPath(),
                back == null ? "the start position" : back.file() + " byte " + back.offset(), backoff);
        pause(backoff);
        source.rewind(back);
        tracker.rewound();
    }

    /** Nothing new and nothing in flight: the source's position (a new file after rotation) is safe to commit. */
    private void idle() {
        Checkpoint p = source.position();
        if (p != null && tracker.inflight() == 0 && !tracker.failed()) {
            Checkpoint c = tracker.committed();
            if (c == null || !samePlace(c, p)) {
                tracker.complete(tracker.begin(p), true);
            }
        }
    }

    private void persist() throws IOException {
        Checkpoint cp = tracker.takeDirty();
        if (cp != null && store != null && (saved == null || !cp.equals(saved))) {
            store.save(cp);
            saved = cp;
        }
    }

    private static boolean samePlace(Checkpoint a, Checkpoint b) {
        return a.offset() == b.offset() && a.ino() == b.ino() && a.dev() == b.dev()
                && Objects.equals(a.file(), b.file());
    }

    private long nextBackoff(long backoff) {
        return Math.min(endpoint.getRetryMaxBackoffMs(), backoff == 0 ? 500 : backoff * 2);
    }

    private void pause(long ms) throws InterruptedException {
        if (ms > 0) {
            stopSignal.await(ms, TimeUnit.MILLISECONDS);
        }
    }
}
