package io.tetragonroutes.tail;

import java.util.ArrayDeque;

/**
 * Batches in flight, in the order they were read. The committed position advances only over a prefix of batches
 * that all completed successfully, so a later batch finishing first never skips an earlier one that failed.
 */
final class AckTracker {

    private static final class Slot {
        final Checkpoint end;
        boolean done;
        boolean failed;

        Slot(Checkpoint end) {
            this.end = end;
        }
    }

    private final ArrayDeque<Slot> inflight = new ArrayDeque<>();
    private Checkpoint committed;
    private boolean dirty;
    private boolean failed;

    AckTracker(Checkpoint committed) {
        this.committed = committed;
    }

    synchronized Object begin(Checkpoint end) {
        Slot s = new Slot(end);
        inflight.addLast(s);
        return s;
    }

    synchronized void complete(Object token, boolean ok) {
        Slot s = (Slot) token;
        s.done = true;
        s.failed = !ok;
        failed |= !ok;
        while (!inflight.isEmpty() && inflight.peekFirst().done && !inflight.peekFirst().failed) {
            Slot first = inflight.pollFirst();
            if (first.end != null) {
                committed = first.end;
                dirty = true;
            }
        }
        notifyAll();
    }

    synchronized int inflight() {
        int n = 0;
        for (Slot s : inflight) {
            if (!s.done) {
                n++;
            }
        }
        return n;
    }

    synchronized boolean failed() {
        return failed;
    }

    /** After every in-flight batch finished and the source went back to {@link #committed()}. */
    synchronized void rewound() {
        inflight.clear();
        failed = false;
    }

    synchronized Checkpoint committed() {
        return committed;
    }

    /** The committed position if it changed since the last call, else null. */
    synchronized Checkpoint takeDirty() {
        if (!dirty) {
            return null;
        }
        dirty = false;
        return committed;
    }

    synchronized boolean awaitIdle(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (inflight() > 0) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }
}
