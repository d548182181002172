package io.tetragonroutes.event;

import io.tetragonroutes.camel.EventMessages;
import io.tetragonroutes.deadletter.DeadLetter;
import org.apache.camel.CamelContext;
import org.apache.camel.Message;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The parsed form of one tail batch: its events in order, and the lines that could not be events. */
public final class EventBatch {

    private final List<TetragonEvent> events;
    private final List<DeadLetter> deadLetters;
    /** The context the batch was parsed in, for {@link #getEvents()}; null for a batch made outside a route. */
    private final CamelContext camelContext;

    public EventBatch(List<TetragonEvent> events, List<DeadLetter> deadLetters) {
        this(events, deadLetters, null);
    }

    /**
     * A batch whose {@link #getEvents()} are messages of {@code camelContext}. A constructor, not a method: Camel's bean
     * language (the routes' {@code ${body.select('all')}}) caches a class's bean info per instance when one of its
     * methods takes a parameter Camel binds itself, such as a CamelContext, and would keep every batch it has seen.
     */
    public EventBatch(List<TetragonEvent> events, List<DeadLetter> deadLetters, CamelContext camelContext) {
        this.events = Collections.unmodifiableList(events);
        this.deadLetters = Collections.unmodifiableList(deadLetters);
        this.camelContext = camelContext;
    }

    /** The events, in order. (Not {@code getEvents()}: that name is Camel's {@code ${body.events}}, below.) */
    public List<TetragonEvent> list() {
        return events;
    }

    /**
     * The events as one Camel message each, what {@code split: {simple: "${body.events}"}} iterates: each message's
     * body is the event (which Camel converts to its JSON for any component, see {@code TetragonConverters}) and its
     * headers are the event's type, node, pod, severity and rule ids ({@link EventMessages}).
     */
    public List<Message> getEvents() {
        if (camelContext == null) {
            throw new IllegalStateException("this batch was not parsed in a Camel route: use getEvents()");
        }
        return EventMessages.of(camelContext, events);
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
        return new EventBatch(out, List.of(), camelContext);
    }
}
