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

    /**
     * Whether any value that holds every other value's substrings and suffixes passes {@code test}: for substring
     * and suffix tests, a source whose values are suffixes of one another (a command line read two ways) reads
     * only the longest.
     */
    default boolean anyCovering(TetragonEvent e, TextTest test) {
        return anyText(e, test);
    }

    /** {@code test} bound to this source once (no allocation per event where the source can avoid it). */
    default EventTest bind(TextTest test, boolean covering) {
        return covering ? e -> anyCovering(e, test) : e -> anyText(e, test);
    }

    /** A bound test on an event. */
    @FunctionalInterface
    interface EventTest {
        boolean test(TetragonEvent e);
    }

    /** A test on one text value. */
    @FunctionalInterface
    interface TextTest {
        boolean test(String value);
    }
}
