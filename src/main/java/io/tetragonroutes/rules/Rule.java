package io.tetragonroutes.rules;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One compiled rule. {@code alert} routes the event to the {@code alerts} output (throttled per rule, pod and
 * binary); {@code drop} keeps it out of {@code all}; {@code sample} keeps 1 in N in {@code all}; {@code routes}
 * adds named outputs. Every match adds the rule's id, severity and tags to the event.
 *
 * @param source  "file:line" where the rule was defined, for log lines
 * @param hook    extra behaviour of rules loaded from a Parseable alerts file, else null
 * @param author  who wrote the rule, when its licence asks that matches name them (Sigma rules), else null
 */
public record Rule(String id, String description, Severity severity, List<String> tags, Condition match,
                   boolean alert, boolean drop, int sample, List<String> routes, MessageTemplate message,
                   Duration throttle, String source, RuleHook hook, AtomicLong sampled,
                   String author) {

    public Rule {
        tags = List.copyOf(tags);
        routes = List.copyOf(routes);
    }

    /** For a sampled rule: whether this match is the 1 in N kept in {@code all}. */
    boolean keepSample() {
        return sample <= 1 || sampled.getAndIncrement() % sample == 0;
    }
}
