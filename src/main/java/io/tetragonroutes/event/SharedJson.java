package io.tetragonroutes.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A JSON object many events carry unchanged (one pod's {@code kubernetes} metadata): encoded once, written into
 * each event as bytes. The tree stays readable (rules match on it) and must not be modified.
 */
public final class SharedJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ObjectNode tree;
    private final byte[] json;

    private SharedJson(ObjectNode tree, byte[] json) {
        this.tree = tree;
        this.json = json;
    }

    public static SharedJson of(ObjectNode tree) {
        try {
            return new SharedJson(tree, MAPPER.writeValueAsBytes(tree));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a tree of plain values always encodes", e);
        }
    }

    public ObjectNode tree() {
        return tree;
    }

    byte[] json() {
        return json;
    }
}
