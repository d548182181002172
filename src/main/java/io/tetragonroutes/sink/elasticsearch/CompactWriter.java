package io.tetragonroutes.sink.elasticsearch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tetragonroutes.sink.TreeWriter;

import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes JSON the way Elastic's ingest pipeline leaves a document: no nulls, empty strings, empty objects or empty
 * arrays, at any depth. An object or array is only started in the output when its first non-empty value arrives,
 * so nothing has to be built first and pruned after. Member names are {@link String}s (read from the line) or
 * {@link SerializableString}s (ours, encoded once); {@code null} for an array element or the root.
 */
final class CompactWriter {

    /**
     * A member of the line that leaves {@code cilium_tetragon.log} for an ECS field, or is also read for one:
     * its value goes to {@code slots[slot]}. With {@code children}, an object whose members move in turn, and
     * {@code slot} (if not -1) marks that it was an object.
     */
    record Move(int slot, boolean keep, Map<String, Move> children) {

        static Move out(int slot) {
            return new Move(slot, false, null);
        }

        static Move read(int slot) {
            return new Move(slot, true, null);
        }

        static Move into(int slot, Map<String, Move> children) {
            return new Move(slot, true, children);
        }
    }

    private final JsonGenerator g;
    private final ObjectMapper trees;
    private Object[] names = new Object[16];
    private boolean[] arrays = new boolean[16];
    /** Objects and arrays opened and not ended; the first {@code started} of them are in the output. */
    private int depth;
    private int started;

    CompactWriter(JsonGenerator g, ObjectMapper trees) {
        this.g = g;
        this.trees = trees;
    }

    void startObject(Object name) {
        push(name, false);
    }

    void startArray(Object name) {
        push(name, true);
    }

    void end() throws IOException {
        depth--;
        if (started > depth) {
            started = depth;
            if (arrays[depth]) {
                g.writeEndArray();
            } else {
                g.writeEndObject();
            }
        }
    }

    void string(Object name, String v) throws IOException {
        if (v != null && !v.isEmpty()) {
            name(name);
            g.writeString(v);
        }
    }

    void number(Object name, int v) throws IOException {
        name(name);
        g.writeNumber(v);
    }

    /** A string value given as UTF-8 bytes that are known to be valid (escaped here, never decoded). */
    void utf8(Object name, byte[] b, int off, int len) throws IOException {
        if (len > 0) {
            name(name);
            g.writeUTF8String(b, off, len);
        }
    }

    /** A tree, without its empty values. */
    void tree(Object name, JsonNode v) throws IOException {
        if (v == null) {
            return;
        }
        switch (v.getNodeType()) {
            case OBJECT -> {
                startObject(name);
                boolean dedot = isFreeForm(name);
                Iterator<Map.Entry<String, JsonNode>> it = v.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> f = it.next();
                    tree(dedot ? dedot(f.getKey()) : f.getKey(), f.getValue());
                }
                end();
            }
            case ARRAY -> {
                startArray(name);
                for (JsonNode el : v) {
                    tree(null, el);
                }
                end();
            }
            case STRING -> string(name, v.textValue());
            case NULL, MISSING -> { }
            default -> {
                name(name);
                TreeWriter.scalar(g, v);
            }
        }
    }

    /**
     * Copies the value at the parser's current token, without its empty values; the members {@code moves} names
     * are read into {@code slots} instead (and also copied if they are kept).
     */
    void copy(Object name, JsonParser p, Map<String, Move> moves, JsonNode[] slots) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT -> {
                startObject(name);
                boolean dedot = moves == null && isFreeForm(name);
                for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                    String k = dedot ? dedot(p.currentName()) : p.currentName();
                    JsonToken value = p.nextToken();
                    Move m = moves == null ? null : moves.get(k);
                    if (m == null) {
                        copy(k, p, null, slots);
                    } else if (m.children() != null) {
                        boolean object = value == JsonToken.START_OBJECT;
                        if (object && m.slot() >= 0) {
                            slots[m.slot()] = BooleanNode.TRUE;
                        }
                        copy(k, p, object ? m.children() : null, slots);
                    } else {
                        JsonNode v = value(p);
                        slots[m.slot()] = v;
                        if (m.keep()) {
                            tree(k, v);
                        }
                    }
                }
                end();
            }
            case START_ARRAY -> {
                startArray(name);
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    copy(null, p, null, slots);
                }
                end();
            }
            case VALUE_STRING -> {
                if (p.getTextLength() > 0) {
                    name(name);
                    g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                }
            }
            case VALUE_NULL -> { }
            default -> {
                name(name);
                g.copyCurrentEvent(p);
            }
        }
    }

    /**
     * Whether an object is a free-form map whose keys are names users chose (Kubernetes labels and annotations,
     * Tetragon's {@code pod_labels}, {@code node_labels}): its keys are written {@link #dedot dedotted}.
     */
    static boolean isFreeForm(Object name) {
        return name instanceof String s && (s.endsWith("labels") || s.endsWith("annotations"));
    }

    /**
     * A free-form key with its dots replaced by underscores, as Beats' {@code labels.dedot} does:
     * {@code app.kubernetes.io/name} becomes {@code app_kubernetes_io/name}. Elasticsearch reads a dot in a field
     * name as an object boundary, so {@code app} and {@code app.kubernetes.io/name} side by side are a concrete value
     * and an object under one name, and whichever comes second is refused.
     */
    static String dedot(String key) {
        return key.indexOf('.') < 0 ? key : key.replace('.', '_');
    }

    /** The value at the parser's current token as a node; scalars (nearly all moved values) built directly. */
    private JsonNode value(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_STRING -> TextNode.valueOf(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> IntNode.valueOf(p.getIntValue());
                case LONG -> LongNode.valueOf(p.getLongValue());
                default -> BigIntegerNode.valueOf(p.getBigIntegerValue());
            };
            case VALUE_TRUE -> BooleanNode.TRUE;
            case VALUE_FALSE -> BooleanNode.FALSE;
            case VALUE_NULL -> NullNode.getInstance();
            default -> trees.readTree(p); // objects, arrays, floats: as Jackson's tree reader makes them
        };
    }

    private void push(Object name, boolean array) {
        if (depth == names.length) {
            names = Arrays.copyOf(names, depth * 2);
            arrays = Arrays.copyOf(arrays, depth * 2);
        }
        names[depth] = name;
        arrays[depth] = array;
        depth++;
    }

    /** Starts the pending objects and arrays, then writes the member's name, before a non-empty value. */
    private void name(Object name) throws IOException {
        for (; started < depth; started++) {
            fieldName(names[started]);
            if (arrays[started]) {
                g.writeStartArray();
            } else {
                g.writeStartObject();
            }
        }
        fieldName(name);
    }

    private void fieldName(Object name) throws IOException {
        if (name instanceof SerializableString s) {
            g.writeFieldName(s);
        } else if (name != null) {
            g.writeFieldName((String) name);
        }
    }
}
