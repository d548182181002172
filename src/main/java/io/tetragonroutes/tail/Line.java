package io.tetragonroutes.tail;

import java.nio.file.Path;

/**
 * One line of the export, without its newline. The bytes live in a buffer shared by the whole batch
 * ({@code buf[off, off+len)}), so a batch costs one allocation, not one per line.
 *
 * @param file   name of the file the line was read from (as it was named when read)
 * @param offset byte offset of the line's first byte in that file (uncompressed)
 * @param status whether the line is complete; incomplete lines carry no bytes to parse
 * @param spill  for {@link Status#TOO_LONG}: where the whole line was copied, so nothing is lost
 */
public record Line(byte[] buf, int off, int len, String file, long offset, Status status, Path spill) {

    public enum Status {
        /** A complete line, terminated by a newline. */
        OK,
        /** Longer than the configured maximum; its bytes are in {@link #spill()}, {@link #len()} is its length. */
        TOO_LONG,
        /** The file ended (it was rotated away, truncated or the stream closed) before this line's newline. */
        UNTERMINATED,
        /**
         * Not a line: {@link #file()} was deleted or truncated before it was read to the end, so whatever followed
         * {@link #offset()} in it is lost. Carried in the batch so the loss reaches the dead-letter output.
         */
        LOST
    }

    public String text() {
        return new String(buf, off, len, java.nio.charset.StandardCharsets.UTF_8);
    }
}
