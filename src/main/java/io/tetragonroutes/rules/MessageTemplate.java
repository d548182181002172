package io.tetragonroutes.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.tetragonroutes.event.TetragonEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * A rule message with {@code {field.path}} placeholders (Parseable's alert message syntax), compiled once: each
 * placeholder becomes the first value at that path, or '-' when the event has none.
 */
public final class MessageTemplate {

    private final List<Object> parts; // String literal or FieldPath

    private MessageTemplate(List<Object> parts) {
        this.parts = parts;
    }

    public static MessageTemplate compile(String text) {
        List<Object> parts = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int open = text.indexOf('{', i);
            int close = open < 0 ? -1 : text.indexOf('}', open);
            if (open < 0 || close < 0) {
                parts.add(text.substring(i));
                break;
            }
            if (open > i) {
                parts.add(text.substring(i, open));
            }
            parts.add(FieldPath.compile(text.substring(open + 1, close).trim()));
            i = close + 1;
        }
        return new MessageTemplate(List.copyOf(parts));
    }

    public String render(TetragonEvent e) {
        StringBuilder sb = new StringBuilder(64);
        for (Object p : parts) {
            if (p instanceof FieldPath f) {
                JsonNode v = f.first(e);
                String t = v == null ? null : ValueTest.text(v);
                sb.append(t == null ? (v == null ? "-" : v.toString()) : t);
            } else {
                sb.append((String) p);
            }
        }
        return sb.toString();
    }
}
