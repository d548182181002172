package io.tetragonroutes.event;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.CharTypes;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.json.UTF8StreamJsonParser;
import com.fasterxml.jackson.core.sym.ByteQuadsCanonicalizer;

import java.io.IOException;
import java.util.Arrays;

/**
 * Jackson's factory, whose parsers over one export line skip the objects and arrays nobody reads (most of an
 * event: {@link FieldDemand}) with a byte scanner instead of a token at a time: Jackson's {@code skipChildren}
 * canonicalizes every member name and copies every number while skipping, about a sixth of the pipeline's CPU.
 * <p>
 * The scanner checks the same grammar Jackson does (strict JSON, UTF-8 lead and continuation bytes, no control
 * characters in strings, nesting and number limits), but it only ever accepts: at the first thing it does not
 * like, it hands the value back, untouched, to Jackson's own {@code skipChildren}, which then reports the error
 * exactly as before (or accepts what the scanner was too strict about). So a line is accepted or dead-lettered,
 * with the same reason and byte offset, as with the plain factory.
 */
final class LineJsonFactory extends JsonFactory {

    @Override
    protected JsonParser _createParser(byte[] data, int offset, int len, IOContext ctxt) throws IOException {
        // Export lines start with '{'. Anything else (a BOM, UTF-16, a blank) goes through Jackson's own detection.
        if (len == 0 || data[offset] != '{' || !Feature.CANONICALIZE_FIELD_NAMES.enabledIn(_factoryFeatures)) {
            return super._createParser(data, offset, len, ctxt);
        }
        ctxt.setEncoding(JsonEncoding.UTF8);
        return new Parser(ctxt, _parserFeatures, _objectCodec, _byteSymbolCanonicalizer.makeChild(_factoryFeatures),
                data, offset, offset + len);
    }

    static final class Parser extends UTF8StreamJsonParser {

        private static final int[] UTF8 = CharTypes.getInputCodeUtf8(); // 0 plain, 1 '"' '\', 2-4 lead, -1 bad
        private final boolean scan;
        private final int maxDepth;
        private final int maxNumber;
        private final int maxName;
        /** Kinds of the containers the scanner is inside, beyond the one it started in: true for an object. */
        private boolean[] kinds;
        /** Values this parser skipped by scanning (the rest went to Jackson). */
        private int scanned;

        Parser(IOContext ctxt, int features, ObjectCodec codec, ByteQuadsCanonicalizer sym, byte[] data, int start,
               int end) {
            super(ctxt, features, null, codec, sym, data, start, end, 0, false);
            StreamReadConstraints c = ctxt.streamReadConstraints();
            // limits the scanner does not count: leave those documents to Jackson
            scan = !c.hasMaxTokenCount() && !c.hasMaxDocumentLength()
                    && !Feature.STRICT_DUPLICATE_DETECTION.enabledIn(features);
            maxDepth = c.getMaxNestingDepth();
            maxNumber = c.getMaxNumberLength();
            maxName = c.getMaxNameLength();
        }

        @Override
        public JsonParser skipChildren() throws IOException {
            JsonToken t = _currToken;
            if (!scan || (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY)) {
                return super.skipChildren();
            }
            int end = scanContainer(t == JsonToken.START_OBJECT, _inputPtr);
            if (end < 0) {
                return super.skipChildren(); // Jackson reports it (or takes what the scanner would not)
            }
            scanned++;
            _inputPtr = end;
            _parsingContext = _parsingContext.clearAndGetParent();
            _currToken = t == JsonToken.START_OBJECT ? JsonToken.END_OBJECT : JsonToken.END_ARRAY;
            return this;
        }

        int scanned() {
            return scanned;
        }

        /**
         * From just after the opening bracket of a container to just after its closing one: the index there, or -1
         * for anything that is not plainly valid.
         */
        private int scanContainer(boolean object, int i) {
            final byte[] b = _inputBuffer;
            final int end = _inputEnd;
            int depth = 0;
            int room = maxDepth - _parsingContext.getNestingDepth();
            boolean inObject = object;
            i = ws(b, i, end);
            if (i < 0) {
                return -1;
            }
            if (b[i] == (inObject ? '}' : ']')) {
                return i + 1; // empty
            }
            boolean closed = false; // true: the value just scanned was a container that has ended
            while (true) {
                if (!closed) { // a member or an element
                    if (inObject) {
                        if (b[i] != '"') {
                            return -1;
                        }
                        int nameStart = i + 1;
                        i = string(b, nameStart, end);
                        if (i < 0 || i - 1 - nameStart > maxName) {
                            return -1;
                        }
                        i = ws(b, i, end);
                        if (i < 0 || b[i] != ':') {
                            return -1;
                        }
                        i = ws(b, i + 1, end);
                        if (i < 0) {
                            return -1;
                        }
                    }
                    byte c = b[i];
                    if (c == '{' || c == '[') {
                        if (++depth > room) {
                            return -1;
                        }
                        if (kinds == null) {
                            kinds = new boolean[16];
                        } else if (depth > kinds.length) {
                            kinds = Arrays.copyOf(kinds, kinds.length * 2);
                        }
                        kinds[depth - 1] = inObject;
                        inObject = c == '{';
                        i = ws(b, i + 1, end);
                        if (i < 0) {
                            return -1;
                        }
                        if (b[i] == (inObject ? '}' : ']')) { // empty: back in the container holding it
                            i++;
                            inObject = kinds[--depth];
                            closed = true;
                        }
                        continue;
                    }
                    if (c == '"') {
                        i = string(b, i + 1, end);
                    } else if (c == '-' || (c >= '0' && c <= '9')) {
                        i = number(b, i, end);
                    } else if (c == 't') {
                        i = literal(b, i, end, "true");
                    } else if (c == 'f') {
                        i = literal(b, i, end, "false");
                    } else if (c == 'n') {
                        i = literal(b, i, end, "null");
                    } else {
                        return -1;
                    }
                    if (i < 0) {
                        return -1;
                    }
                }
                // after a value: a comma and the next one, or the container's end
                i = ws(b, i, end);
                if (i < 0) {
                    return -1;
                }
                byte c = b[i];
                if (c == ',') {
                    i = ws(b, i + 1, end);
                    if (i < 0) {
                        return -1;
                    }
                    closed = false;
                } else if (c == (inObject ? '}' : ']')) {
                    i++;
                    if (depth == 0) {
                        return i;
                    }
                    inObject = kinds[--depth];
                    closed = true;
                } else {
                    return -1;
                }
            }
        }

        /** The first index from {@code i} that is not JSON white space, or -1 at the end. */
        private static int ws(byte[] b, int i, int end) {
            while (i < end) {
                byte c = b[i];
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                    return i;
                }
                i++;
            }
            return -1;
        }

        /** From after the opening quote to after the closing one; -1 for a bad escape, byte or the end. */
        private static int string(byte[] b, int i, int end) {
            while (i < end) {
                int c = b[i++] & 0xFF;
                int code = UTF8[c];
                if (code == 0) {
                    continue;
                }
                if (c == '"') {
                    return i;
                }
                if (c == '\\') {
                    if (i >= end) {
                        return -1;
                    }
                    switch (b[i++]) {
                        case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                        }
                        case 'u' -> {
                            if (i + 4 > end) {
                                return -1;
                            }
                            for (int k = 0; k < 4; k++) {
                                if (CharTypes.charToHex(b[i++] & 0xFF) < 0) {
                                    return -1;
                                }
                            }
                        }
                        default -> {
                            return -1;
                        }
                    }
                    continue;
                }
                if (code < 0 || i + code - 1 > end) { // control character, stray continuation byte, or cut short
                    return -1;
                }
                for (int k = 1; k < code; k++) {
                    if ((b[i++] & 0xC0) != 0x80) {
                        return -1;
                    }
                }
            }
            return -1;
        }

        /** A JSON number (no leading zeros, digits after '.' and 'e'), within Jackson's length limit; -1 if not. */
        private int number(byte[] b, int i, int end) {
            int start = i;
            if (b[i] == '-') {
                i++;
            }
            int intStart = i;
            if (i >= end || b[i] < '0' || b[i] > '9') {
                return -1;
            }
            if (b[i] == '0') {
                i++;
                if (i < end && b[i] >= '0' && b[i] <= '9') {
                    return -1;
                }
            } else {
                while (i < end && b[i] >= '0' && b[i] <= '9') {
                    i++;
                }
            }
            boolean fp = false;
            if (i < end && b[i] == '.') {
                fp = true;
                int d = ++i;
                while (i < end && b[i] >= '0' && b[i] <= '9') {
                    i++;
                }
                if (i == d) {
                    return -1;
                }
            }
            if (i < end && (b[i] == 'e' || b[i] == 'E')) {
                fp = true;
                i++;
                if (i < end && (b[i] == '+' || b[i] == '-')) {
                    i++;
                }
                int d = i;
                while (i < end && b[i] >= '0' && b[i] <= '9') {
                    i++;
                }
                if (i == d) {
                    return -1;
                }
            }
            // Jackson counts digits of the integer part, or the whole float; beyond the limit it throws
            return (fp ? i - start : i - intStart) > maxNumber ? -1 : i;
        }

        private static int literal(byte[] b, int i, int end, String word) {
            int n = word.length();
            if (i + n > end) {
                return -1;
            }
            for (int k = 0; k < n; k++) {
                if (b[i + k] != word.charAt(k)) {
                    return -1;
                }
            }
            return i + n;
        }
    }
}
