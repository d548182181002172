package io.tetragonroutes.sink;

import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.event.EventBatch;
import org.apache.camel.Exchange;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * How far one sink got with one batch, kept on the exchange so that a redelivery (the route retries a failed sink in
 * place) resumes after the events the service already accepted instead of sending them twice. Events the service
 * refused become dead letters, handed to the kamelet in the {@link #REJECTED} property.
 */
public final class Delivery {

    /** Exchange property: an {@link EventBatch} of dead letters for events a sink refused. */
    public static final String REJECTED = "tetragonRejected";

    private final Exchange exchange;
    private final String key;
    private final State state;

    private static final class State {
        final BitSet done = new BitSet();
        int accepted;
        final List<DeadLetter> rejected = new ArrayList<>();
    }

    private Delivery(Exchange exchange, String key, State state) {
        this.exchange = exchange;
        this.key = key;
        this.state = state;
    }

    /** The delivery of this exchange's batch to the sink named {@code sinkKey}: new, or resumed after a failure. */
    public static Delivery of(Exchange exchange, String sinkKey) {
        String key = "tetragonDelivery:" + sinkKey;
        State s = exchange.getProperty(key, State.class);
        if (s == null) {
            s = new State();
            exchange.setProperty(key, s);
        }
        return new Delivery(exchange, key, s);
    }

    /** The first event at or after {@code from} that was neither accepted nor refused yet. */
    public int nextPending(int from) {
        return state.done.nextClearBit(from);
    }

    public boolean isDone(int index) {
        return state.done.get(index);
    }

    /** Events [from, to) were accepted. */
    public void accepted(int from, int to) {
        for (int i = state.done.nextClearBit(from); i < to; i = state.done.nextClearBit(i + 1)) {
            state.done.set(i);
            state.accepted++;
        }
    }

    /** Event {@code index} was refused: it becomes the dead letter {@code dl}. */
    public void rejected(int index, DeadLetter dl) {
        if (!state.done.get(index)) {
            state.done.set(index);
            state.rejected.add(dl);
        }
    }

    /** All done: sets the count for the shipped metric and the dead letters, and forgets the progress. */
    public void finish() {
        exchange.removeProperty(key);
        exchange.getMessage().setHeader(NdjsonFormatter.COUNT, state.accepted);
        if (!state.rejected.isEmpty()) {
            exchange.setProperty(REJECTED, new EventBatch(List.of(), List.copyOf(state.rejected)));
        }
    }
}
