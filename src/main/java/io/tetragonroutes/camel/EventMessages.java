package io.tetragonroutes.camel;

import com.fasterxml.jackson.databind.JsonNode;
import io.tetragonroutes.event.TetragonEvent;
import org.apache.camel.CamelContext;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * One Camel message per event, for per-record sinks ({@code split: {simple: "${body.events}"}}): the body is the
 * {@link TetragonEvent} and the headers say what a route filters on and a sink keys by. A header is absent where the
 * event has no such value (a host process has no pod; an event no rule matched has no severity).
 */
public final class EventMessages {

    /** The event type: {@code process_exec}, {@code process_kprobe}, ... */
    public static final String TYPE = "tetragon.type";
    /** Tetragon's {@code node_name}. */
    public static final String NODE = "tetragon.node";
    /** The pod's namespace and name, as Tetragon reports them. */
    public static final String NAMESPACE = "tetragon.namespace";
    public static final String POD = "tetragon.pod";
    /** The binary: {@code process.binary} of the event's process. */
    public static final String BINARY = "tetragon.binary";
    /** The highest severity of the rules that matched: {@code info} ... {@code critical}. */
    public static final String SEVERITY = "tetragon.severity";
    /** The ids of the rules that matched, comma-separated. */
    public static final String RULE_IDS = "tetragon.rule.ids";
    /** The event's stable id: the same line read twice has the same id (see {@code EventId}). */
    public static final String ID = "tetragon.id";
    /** The event's time as Tetragon wrote it (RFC 3339). */
    public static final String TIME = "tetragon.time";

    private EventMessages() {
    }

    public static List<Message> of(CamelContext camel, List<TetragonEvent> events) {
        List<Message> out = new ArrayList<>(events.size());
        for (TetragonEvent e : events) {
            out.add(of(camel, e));
        }
        return out;
    }

    public static Message of(CamelContext camel, TetragonEvent e) {
        DefaultMessage m = new DefaultMessage(camel);
        m.setBody(e);
        m.setHeader(TYPE, e.typeKey());
        m.setHeader(ID, e.id());
        put(m, NODE, e.nodeName());
        put(m, NAMESPACE, e.podNamespace());
        put(m, POD, e.podName());
        put(m, BINARY, e.binary());
        put(m, TIME, e.time());
        if (e.hasExtras()) {
            JsonNode rule = e.extras().path("rule");
            put(m, SEVERITY, rule.path("severity").textValue());
            JsonNode ids = rule.path("ids");
            if (ids.isArray() && !ids.isEmpty()) {
                StringBuilder s = new StringBuilder();
                for (JsonNode id : ids) {
                    s.append(s.isEmpty() ? "" : ",").append(id.asText());
                }
                m.setHeader(RULE_IDS, s.toString());
            }
        }
        return m;
    }

    private static void put(Message m, String name, String value) {
        if (value != null) {
            m.setHeader(name, value);
        }
    }
}
