package io.tetragonroutes.event;

import io.tetragonroutes.deadletter.DeadLetter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The parsed form of one tail batch: its events in order, and the lines that could not be events. */
public final class EventBatch {

    private final List<TetragonEvent> events;
    private final List<DeadLetter> deadLetters;

    public EventBatch(List<TetragonEvent> events, List<DeadLetter> deadLetters) {
        this.events = Collections.unmodifiableList(events);
        this.deadLetters = Collections.unmodifiableList(deadLetters);
    }

    public List<TetragonEvent> getEvents() {
        return events;
    }

    public List<DeadLetter> getDeadLetters() {
        return deadLetters;
    }

    public int size() {
        return events.size();
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }

    /** The events routed to {@code output} ({@code all} = every event not dropped), in order; no dead letters. */
    public EventBatch select(String output) {
        List<TetragonEvent> out = new ArrayList<>();
        for (TetragonEvent e : events) {
            if (e.routedTo(output)) {
                out.add(e);
            }
        }
        return new EventBatch(out, List.of());
    }
}
