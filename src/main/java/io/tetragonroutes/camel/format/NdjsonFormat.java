package io.tetragonroutes.camel.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.event.TetragonEvent;

import java.io.IOException;
import java.io.OutputStream;

/** {@code tetragon-ndjson}: each event as Tetragon wrote it plus the fields the pipeline added (the file sink's lines). */
public final class NdjsonFormat extends EventFormat {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public String getDataFormatName() {
        return "tetragon-ndjson";
    }

    @Override
    protected void write(TetragonEvent event, OutputStream out) throws IOException {
        event.writeJson(out, MAPPER);
    }
}
