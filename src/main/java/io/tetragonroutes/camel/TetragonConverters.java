package io.tetragonroutes.camel;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.deadletter.DeadLetter;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.sink.NdjsonFormatter;
import org.apache.camel.Converter;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Camel type converters for the kit's bodies, so any Camel component takes them as they are: a stock
 * {@code - to: file:...}, {@code kafka:}, {@code https:} or {@code kamelet:log-sink} in an output gets a batch's
 * NDJSON (exactly what the file sink writes: each event as Tetragon wrote it plus the fields enrichment and rules
 * added, one per line), and a split event its JSON. Camel does not chain converters, so each source type has every
 * target stock components ask for: {@code byte[]}, {@code String}, {@code InputStream}, and {@code Map} for one
 * event or dead letter.
 * <p>
 * Registered for every Camel runtime by {@code META-INF/services/org/apache/camel/TypeConverterLoader}
 * ({@link TetragonConvertersLoader}), which is what Camel's own generated loaders use.
 */
@Converter(generateLoader = true)
public final class TetragonConverters {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final NdjsonFormatter NDJSON = new NdjsonFormatter(MAPPER);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private TetragonConverters() {
    }

    @Converter
    public static byte[] batchToBytes(EventBatch batch) throws IOException {
        return NDJSON.events(batch);
    }

    @Converter
    public static String batchToString(EventBatch batch) throws IOException {
        return new String(batchToBytes(batch), StandardCharsets.UTF_8);
    }

    @Converter
    public static InputStream batchToStream(EventBatch batch) throws IOException {
        return new ByteArrayInputStream(batchToBytes(batch));
    }

    @Converter
    public static byte[] eventToBytes(TetragonEvent event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(event.line().len() + 256);
        event.writeJson(out, MAPPER);
        return out.toByteArray();
    }

    @Converter
    public static String eventToString(TetragonEvent event) throws IOException {
        return new String(eventToBytes(event), StandardCharsets.UTF_8);
    }

    @Converter
    public static InputStream eventToStream(TetragonEvent event) throws IOException {
        return new ByteArrayInputStream(eventToBytes(event));
    }

    @Converter
    public static Map<String, Object> eventToMap(TetragonEvent event) throws IOException {
        return MAPPER.readValue(eventToBytes(event), MAP);
    }

    @Converter
    public static byte[] deadLetterToBytes(DeadLetter letter) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            letter.write(g);
        }
        return out.toByteArray();
    }

    @Converter
    public static String deadLetterToString(DeadLetter letter) throws IOException {
        return new String(deadLetterToBytes(letter), StandardCharsets.UTF_8);
    }

    @Converter
    public static InputStream deadLetterToStream(DeadLetter letter) throws IOException {
        return new ByteArrayInputStream(deadLetterToBytes(letter));
    }

    @Converter
    public static Map<String, Object> deadLetterToMap(DeadLetter letter) throws IOException {
        return MAPPER.readValue(deadLetterToBytes(letter), MAP);
    }
}
