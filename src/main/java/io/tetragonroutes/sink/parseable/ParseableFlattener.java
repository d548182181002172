package io.tetragonroutes.sink.parseable;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.event.JsonBuffer;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.sink.TreeWriter;
import io.tetragonroutes.tail.Line;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes an event the way Parseable would flatten it (nested keys joined with {@code _}, a leading {@code @} as
 * {@code _}), except that arrays stay one column holding their JSON text instead of being exploded into one row per
 * element. So one Tetragon event is one Parseable row, and the column names are the ones Parseable itself would
 * have made, so queries and alerts work either way.
 * <p>
 * The event's own fields are streamed from its line, token by token, without a tree; the fields the pipeline added
 * (which replace a field of the line with the same name) are written from theirs.
 */
public final class ParseableFlattener {

    private final ObjectMapper mapper;

    public ParseableFlattener(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public void write(TetragonEvent e, JsonGenerator g) throws IOException {
        JsonBuffer arrayText = new JsonBuffer(256);
        g.writeStartObject();
        JsonNode extras = e.hasExtras() ? e.extras() : null;
        Line line = e.line();
        try (JsonParser p = mapper.getFactory().createParser(line.buf(), line.off(), line.len())) {
            p.nextToken(); // the line was validated when it was parsed: one JSON object
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (extras == null || !extras.has(name)) { // an added field replaces the original
                    field(name, p, g, arrayText);
                } else {
                    p.skipChildren();
                }
            }
        }
        if (extras != null) {
            Iterator<Map.Entry<String, JsonNode>> x = extras.fields();
            while (x.hasNext()) {
                Map.Entry<String, JsonNode> f = x.next();
                field(f.getKey(), f.getValue(), g, arrayText);
            }
        }
        g.writeEndObject();
    }

    /** The value at the parser's current token; {@code arrayText}: where an array's JSON text goes first. */
    private void field(String name, JsonParser p, JsonGenerator g, JsonBuffer arrayText)
            throws IOException {
        if (p.currentToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                field(name + '_' + key, p, g, arrayText);
            }
        } else if (p.currentToken() == JsonToken.START_ARRAY) {
            arrayText.reset();
            try (JsonGenerator text = mapper.getFactory().createGenerator(arrayText)) {
                text.copyCurrentStructure(p);
            }
            writeArrayText(name, g, arrayText);
        } else {
            g.writeFieldName(columnName(name));
            g.copyCurrentEvent(p);
        }
    }

    /** The same for a tree (an added field). */
    private void field(String name, JsonNode v, JsonGenerator g, JsonBuffer arrayText)
            throws IOException {
        if (v.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = v.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                field(name + '_' + f.getKey(), f.getValue(), g, arrayText);
            }
        } else if (v.isArray()) {
            arrayText.reset();
            try (JsonGenerator text = mapper.getFactory().createGenerator(arrayText)) {
                TreeWriter.write(text, v);
            }
            writeArrayText(name, g, arrayText);
        } else {
            g.writeFieldName(columnName(name));
            TreeWriter.scalar(g, v);
        }
    }

    private static void writeArrayText(String name, JsonGenerator g, JsonBuffer arrayText)
            throws IOException {
        g.writeFieldName(columnName(name));
        g.writeUTF8String(arrayText.array(), 0, arrayText.size());
    }

    static String columnName(String flattened) {
        return flattened.charAt(0) == '@' ? '_' + flattened.substring(1) : flattened;
    }
}
