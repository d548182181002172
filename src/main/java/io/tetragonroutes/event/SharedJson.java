package io.tetragonroutes.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A JSON object many events carry unchanged (one pod's {@code kubernetes} metadata): encoded once, written into
 * each event as bytes. The tree stays readable (rules match on it) and must not be modified. Its {@code id} (the
 * pod's uid) is kept beside it, so sinks that key by it (Kafka) do not walk a tree that is cold in memory: there is
 * one per pod, and a node's events visit thousands of them.
 */
public final class SharedJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ObjectNode tree;
    private final byte[] json;
    private final String id;

    private SharedJson(ObjectNode tree, byte[] json, String id) {
        this.tree = tree;
        this.json = json;
        this.id = id;
    }

    public static SharedJson of(ObjectNode tree) {
        return of(tree, null);
    }

    /** {@code id}: what the object describes (a pod's uid), or null. */
    public static SharedJson of(ObjectNode tree, String id) {
        try {
            return new SharedJson(tree, MAPPER.writeValueAsBytes(tree), id);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a tree of plain values always encodes", e);
        }
    }

    public ObjectNode tree() {
        return tree;
    }

    public String id() {
        return id;
    }

    byte[] json() {
        return json;
    }
}
