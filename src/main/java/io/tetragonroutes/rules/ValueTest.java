package io.tetragonroutes.rules;

import com.fasterxml.jackson.databind.JsonNode;

/** A test on one JSON value, built once from a rule's operator and operand. */
@FunctionalInterface
public interface ValueTest {

    boolean test(JsonNode value);

    /** The value as text: strings as they are, numbers and booleans printed, objects and arrays null. */
    static String text(JsonNode v) {
        return v.isTextual() ? v.textValue() : v.isValueNode() ? v.asText() : null;
    }
}
