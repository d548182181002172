package io.tetragonroutes.rules;

import io.tetragonroutes.event.TetragonEvent;

/**
 * Where a condition reads text from an event: a {@link FieldPath} (its values as text), or a value computed from
 * several fields (a Sigma {@code CommandLine} is the binary and its arguments). The rule index reads keys through it.
 */
public interface TextSource {

    /** A name that is the same for the same source (index buckets are keyed by it). */
    String text();

    /** Whether any text value of {@code e} at this source passes {@code test}; false when there is none. */
    boolean anyText(TetragonEvent e, TextTest test);

    /** A test on one text value. */
    @FunctionalInterface
    interface TextTest {
        boolean test(String value);
    }
}
