package io.tetragonroutes.tail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The body of one exchange from the tail: consecutive lines of the export, in order. */
public final class LineBatch {

    private final List<Line> lines;
    private final long bytes;

    private LineBatch(List<Line> lines, long bytes) {
        this.lines = Collections.unmodifiableList(lines);
        this.bytes = bytes;
    }

    public List<Line> lines() {
        return lines;
    }

    public int size() {
        return lines.size();
    }

    /** Bytes of line content (newlines excluded). */
    public long bytes() {
        return bytes;
    }

    public static Builder builder() {
        return new Builder(16);
    }

    /** A builder whose list is sized for {@code expectedLines} (the batch size): no regrowth per batch. */
    public static Builder builder(int expectedLines) {
        return new Builder(expectedLines);
    }

    /** Copies line bytes into shared chunks; a line never spans two chunks. */
    public static final class Builder {
        private static final int CHUNK = 256 * 1024;
        private List<Line> lines;
        private byte[] chunk;
        private int used;
        private long bytes;

        private Builder(int expectedLines) {
            lines = new ArrayList<>(Math.max(1, Math.min(expectedLines, 100_000)));
        }

        public void add(byte[] src, int off, int len, String file, long offset) {
            if (chunk == null || chunk.length - used < len) {
                chunk = new byte[Math.max(CHUNK, len)];
                used = 0;
            }
            System.arraycopy(src, off, chunk, used, len);
            lines.add(new Line(chunk, used, len, file, offset, Line.Status.OK, null));
            used += len;
            bytes += len;
        }

        public void addUnterminated(byte[] src, int off, int len, String file, long offset) {
            byte[] copy = java.util.Arrays.copyOfRange(src, off, off + len);
            lines.add(new Line(copy, 0, len, file, offset, Line.Status.UNTERMINATED, null));
            bytes += len;
        }

        public void addTooLong(long len, String file, long offset, Path spill) {
            lines.add(new Line(new byte[0], 0, (int) Math.min(len, Integer.MAX_VALUE), file, offset,
                    Line.Status.TOO_LONG, spill));
        }

        public void addLost(String file, long offset) {
            lines.add(new Line(new byte[0], 0, 0, file, offset, Line.Status.LOST, null));
        }

        public int size() {
            return lines.size();
        }

        public long bytes() {
            return bytes;
        }

        public boolean isEmpty() {
            return lines.isEmpty();
        }

        /** The batch; the builder starts over empty (the batch keeps the list it filled). */
        public LineBatch build() {
            LineBatch b = new LineBatch(lines, bytes);
            lines = new ArrayList<>(); // allocates nothing until used
            bytes = 0;
            return b;
        }
    }
}
