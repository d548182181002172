package io.tetragonroutes.sink.parseable;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.event.TetragonEvent;

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
        g.writeStartObject();
        JsonNode extras = e.hasExtras() ? e.extras() : null;
        Iterator<Map.Entry<String, JsonNode>> it = e.root().fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            if (extras == null || !extras.has(f.getKey())) { // an added field replaces the original
                field(f.getKey(), f.getValue(), g);
            }
        }
        if (extras != null) {
            Iterator<Map.Entry<String, JsonNode>> x = extras.fields();
            while (x.hasNext()) {
                Map.Entry<String, JsonNode> f = x.next();
                field(f.getKey(), f.getValue(), g);
            }
        }
        g.writeEndObject();
    }

    private void field(String name, JsonNode v, JsonGenerator g) throws IOException {
        if (v.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = v.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                field(name + '_' + f.getKey(), f.getValue(), g);
            }
        } else if (v.isArray()) {
            g.writeStringField(columnName(name), mapper.writeValueAsString(v));
        } else {
            g.writeFieldName(columnName(name));
            mapper.writeTree(g, v);
        }
    }

    static String columnName(String flattened) {
        return flattened.charAt(0) == '@' ? '_' + flattened.substring(1) : flattened;
    }
}
