package io.tetragonroutes.sink;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a tree to a generator directly. {@code ObjectMapper.writeTree} and {@code writeValueAsString} set up a
 * serializer provider on every call, which costs more than writing a small value: the sinks call this per field.
 */
public final class TreeWriter {

    private TreeWriter() {
    }

    public static void write(JsonGenerator g, JsonNode v) throws IOException {
        switch (v.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject();
                Iterator<Map.Entry<String, JsonNode>> it = v.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> f = it.next();
                    g.writeFieldName(f.getKey());
                    write(g, f.getValue());
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode el : v) {
                    write(g, el);
                }
                g.writeEndArray();
            }
            default -> scalar(g, v);
        }
    }

    /** A value that is not an object or an array, as Jackson's own serializers write it. */
    public static void scalar(JsonGenerator g, JsonNode v) throws IOException {
        switch (v.getNodeType()) {
            case STRING -> g.writeString(v.textValue());
            case NUMBER -> {
                switch (v.numberType()) {
                    case INT -> g.writeNumber(v.intValue());
                    case LONG -> g.writeNumber(v.longValue());
                    case BIG_INTEGER -> g.writeNumber(v.bigIntegerValue());
                    case FLOAT -> g.writeNumber(v.floatValue());
                    case DOUBLE -> g.writeNumber(v.doubleValue());
                    case BIG_DECIMAL -> g.writeNumber(v.decimalValue());
                }
            }
            case BOOLEAN -> g.writeBoolean(v.booleanValue());
            case BINARY -> g.writeBinary(v.binaryValue());
            case POJO -> g.writeObject(((POJONode) v).getPojo());
            case NULL, MISSING -> g.writeNull();
            default -> throw new IllegalArgumentException("not a scalar: " + v.getNodeType());
        }
    }
}
