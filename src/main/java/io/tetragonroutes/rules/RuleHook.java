package io.tetragonroutes.rules;

import io.tetragonroutes.event.TetragonEvent;

/**
 * Stateful behaviour a rule can carry beyond match/no-match: Parseable's alert states (a rule that fires after N
 * consecutive matches and resolves on the next miss) and its notification targets.
 */
public interface RuleHook {

    /** The rule matched {@code e}. Returns whether this match should be an alert (e.g. the transition to firing). */
    boolean matched(Rule rule, TetragonEvent e);

    /** The rule was tested against {@code e} and did not match. */
    void missed(Rule rule, TetragonEvent e);

    /** The rule set holding this rule was replaced or closed: stop timers. */
    default void close() {
    }
}
