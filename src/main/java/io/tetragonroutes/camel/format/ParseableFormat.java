package io.tetragonroutes.camel.format;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.sink.parseable.ParseableFlattener;

import java.io.IOException;
import java.io.OutputStream;

/**
 * {@code tetragon-parseable}: the flattened form the {@code parseable-sink} sends with {@code flatten: true}: nested
 * keys joined with {@code _} as Parseable names its columns, arrays as JSON text, so one event is one row.
 */
public final class ParseableFormat extends EventFormat {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final ParseableFlattener flattener = new ParseableFlattener(MAPPER);

    @Override
    public String getDataFormatName() {
        return "tetragon-parseable";
    }

    @Override
    protected void write(TetragonEvent event, OutputStream out) throws IOException {
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            flattener.write(event, g);
        }
    }
}
