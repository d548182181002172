package io.tetragonroutes.sink.parseable;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.sink.TreeWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes an event the way Parseable would flatten it (nested keys joined with {@code _}, a leading {@code @} as
 * {@code _}), except that arrays stay one column holding their JSON text instead of being exploded into one row per
 * element. So one Tetragon event is one Parseable row, and the column names are the ones Parseable itself would
 * have made, so queries and alerts work either way.
 */
public final class ParseableFlattener {

    private final ObjectMapper mapper;

    public ParseableFlattener(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public void write(TetragonEvent e, JsonGenerator g) throws IOException {
        ByteArrayOutputStream arrayText = new ByteArrayOutputStream(256);
        g.writeStartObject();
        JsonNode extras = e.hasExtras() ? e.extras() : null;
        Iterator<Map.Entry<String, JsonNode>> it = e.root().fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            if (extras == null || !extras.has(f.getKey())) { // an added field replaces the original
                field(f.getKey(), f.getValue(), g, arrayText);
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

    /** {@code arrayText}: where an array's JSON text is written before it goes in as a string, reused. */
    private void field(String name, JsonNode v, JsonGenerator g, ByteArrayOutputStream arrayText)
            throws IOException {
        if (v.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = v.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                field(name + '_' + f.getKey(), f.getValue(), g, arrayText);
            }
        } else if (v.isArray()) {
            g.writeFieldName(columnName(name));
            arrayText.reset();
            try (JsonGenerator text = mapper.getFactory().createGenerator(arrayText)) {
                TreeWriter.write(text, v);
            }
            g.writeUTF8String(arrayText.toByteArray(), 0, arrayText.size());
        } else {
            g.writeFieldName(columnName(name));
            TreeWriter.scalar(g, v);
        }
    }

    static String columnName(String flattened) {
        return flattened.charAt(0) == '@' ? '_' + flattened.substring(1) : flattened;
    }
}
