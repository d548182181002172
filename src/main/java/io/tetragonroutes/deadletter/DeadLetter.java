package io.tetragonroutes.deadletter;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * A line (or event) that could not be shipped, with why and where it came from. Written as one JSON object:
 * the original line as text when it is valid UTF-8, else as {@code line_base64}, so nothing is lost either way.
 *
 * @param reason  machine-readable: malformed_json, truncated_json, invalid_utf8, not_an_object, line_too_long,
 *                unterminated_line, or a sink's reason
 * @param spill   for a line too long to keep in memory: the file holding it whole
 */
public record DeadLetter(String reason, String detail, String file, long offset, long length, byte[] line,
                         String spill, Instant time) {

    public void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("time", time.toString());
        g.writeStringField("reason", reason);
        g.writeStringField("detail", detail);
        g.writeStringField("file", file);
        g.writeNumberField("offset", offset);
        g.writeNumberField("length", length);
        if (line != null) {
            String text = utf8(line);
            if (text != null) {
                g.writeStringField("line", text);
            } else {
                g.writeStringField("line_base64", Base64.getEncoder().encodeToString(line));
            }
        }
        if (spill != null) {
            g.writeStringField("spill", spill);
        }
        g.writeEndObject();
    }

    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
