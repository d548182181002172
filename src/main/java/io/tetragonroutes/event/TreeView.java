package io.tetragonroutes.event;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.tetragonroutes.tail.Line;

import java.io.IOException;
import java.util.Arrays;

/**
 * Builds the demanded part of one line's tree from a streaming parser. Skipped values are still tokenized, so a
 * line is accepted only if all of it is valid JSON and UTF-8; they are just never turned into strings and nodes.
 * The tree keeps the line's shape (same names, arrays, value types as Jackson's own tree), so code reading a
 * demanded path cannot tell the difference.
 */
final class TreeView {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private TreeView() {
    }

    /** Reads the object the parser is at (START_OBJECT) to its end. */
    static TetragonEvent read(JsonParser p, FieldDemand.Snapshot demand, Line line, ObjectReader reader)
            throws IOException {
        ObjectNode top = F.objectNode();
        String[] names = new String[4];
        int n = 0;
        String typeKey = null;
        EventType type = EventType.UNKNOWN;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName(); // canonical (interned) by the parser's symbol table: no copy
            p.nextToken();
            if (n == names.length) {
                names = Arrays.copyOf(names, n * 2);
            }
            names[n++] = name;
            FieldDemand.Node want;
            EventType et = typeKey == null ? EventType.ofKey(name) : null;
            if (et != null) {
                typeKey = name;
                type = et;
                want = demand.body();
            } else {
                want = demand.top().child(name);
            }
            if (want == null) {
                p.skipChildren();
            } else {
                top.set(name, value(p, want));
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new JsonParseException(p, "object ended on " + t);
        }
        return new TetragonEvent(top, demand.version(), Arrays.copyOf(names, n), type, typeKey, line, reader);
    }

    private static JsonNode value(JsonParser p, FieldDemand.Node want) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT: {
                ObjectNode o = F.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    FieldDemand.Node w = want.child(name);
                    if (w == null) {
                        p.skipChildren();
                    } else {
                        o.set(name, value(p, w));
                    }
                }
                return o;
            }
            case START_ARRAY: {
                // a name that meets an array applies to each element (as rules' field paths read it)
                ArrayNode a = F.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    a.add(value(p, want));
                }
                return a;
            }
            case VALUE_STRING:
                return TextNode.valueOf(p.getText());
            case VALUE_NUMBER_INT:
                switch (p.getNumberType()) {
                    case INT:
                        return IntNode.valueOf(p.getIntValue());
                    case LONG:
                        return LongNode.valueOf(p.getLongValue());
                    default:
                        return BigIntegerNode.valueOf(p.getBigIntegerValue());
                }
            case VALUE_NUMBER_FLOAT:
                return DoubleNode.valueOf(p.getDoubleValue());
            case VALUE_TRUE:
                return BooleanNode.TRUE;
            case VALUE_FALSE:
                return BooleanNode.FALSE;
            case VALUE_NULL:
                return NullNode.instance;
            default:
                throw new JsonParseException(p, "unexpected token " + p.currentToken());
        }
    }
}
