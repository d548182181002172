package io.tetragonroutes.tail;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Cuts a byte stream into lines. A partial line waits (in {@code pending}) for its newline; a line longer than
 * {@code maxLineBytes} is streamed to a spill file instead of memory, so even a gigabyte without a newline costs
 * bounded heap and nothing is lost. Offsets are byte offsets in the current file.
 */
final class LineSplitter {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    private static final long LOWS = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private final int maxLineBytes;
    private final Path spillDir;
    private final byte[] buf = new byte[64 * 1024];
    private final ByteBuffer window = ByteBuffer.wrap(buf);
    private int head;
    private int tail;
    private long readOffset;
    private long lineStart;
    private byte[] pending = new byte[8 * 1024];
    private int pendingLen;
    private OutputStream spill;
    private Path spillPath;
    private long spillLen;
    private String file;

    LineSplitter(int maxLineBytes, Path spillDir) {
        this.maxLineBytes = maxLineBytes;
        this.spillDir = spillDir;
    }

    /** Start reading {@code file} at {@code offset}; anything buffered is discarded. */
    void reset(String file, long offset) throws IOException {
        head = tail = 0;
        readOffset = offset;
        lineStart = offset;
        pendingLen = 0;
        if (spill != null) {
            spill.close();
            spill = null;
        }
        this.file = file;
    }

    /**
     * The same byte stream continues in another file (a copy-truncate copy): keep the partial line, change the name
     * lines are reported under.
     */
    void continueIn(String file) {
        this.file = file;
    }

    /** Offset just after the last line handed out: where a restart must resume. */
    long committed() {
        return lineStart;
    }

    /** Offset just after the last byte read from the file. */
    long readOffset() {
        return readOffset;
    }

    String file() {
        return file;
    }

    /** Reads more bytes; call only after {@link #next} returned false. Returns the channel's read count. */
    int fill(ReadableByteChannel ch) throws IOException {
        window.clear();
        int n = ch.read(window);
        if (n > 0) {
            head = 0;
            tail = n;
            readOffset += n;
        }
        return n;
    }

    /** Emits the next complete line into {@code out}; false when the buffered bytes hold no newline. */
    boolean next(LineBatch.Builder out) throws IOException {
        int i = indexOfNewline(buf, head, tail);
        if (i >= 0) {
            int len = i - head;
            if (spill != null) {
                writeSpill(buf, head, len);
                finishSpill(out);
            } else if (pendingLen + len > maxLineBytes) {
                startSpill();
                writeSpill(buf, head, len);
                finishSpill(out);
            } else if (pendingLen > 0) {
                appendPending(buf, head, len);
                out.add(pending, 0, pendingLen, file, lineStart);
                pendingLen = 0;
            } else {
                out.add(buf, head, len, file, lineStart);
            }
            head = i + 1;
            lineStart = readOffset - (tail - head);
            return true;
        }
        int len = tail - head;
        if (len > 0) {
            if (spill != null) {
                writeSpill(buf, head, len);
            } else if (pendingLen + len > maxLineBytes) {
                startSpill();
                writeSpill(buf, head, len);
            } else {
                appendPending(buf, head, len);
            }
        }
        head = tail = 0;
        return false;
    }

    /**
     * Index of the first newline in {@code b[from, to)}, or -1. Eight bytes per step (SWAR: a byte equal to '\n'
     * becomes zero, and the lowest zero byte of a word is found exactly), because the JIT does not vectorize a
     * byte-by-byte search and this loop touches every byte of the export.
     */
    static int indexOfNewline(byte[] b, int from, int to) {
        int i = from;
        for (; i <= to - Long.BYTES; i += Long.BYTES) {
            long x = (long) LONGS.get(b, i) ^ NEWLINES;
            long zero = (x - LOWS) & ~x & HIGHS;
            if (zero != 0) {
                return i + (Long.numberOfTrailingZeros(zero) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The file is finished: a line still waiting for its newline is handed out as unterminated. */
    void finish(LineBatch.Builder out) throws IOException {
        if (spill != null) {
            finishSpill(out);
        } else if (pendingLen > 0) {
            out.addUnterminated(pending, 0, pendingLen, file, lineStart);
            pendingLen = 0;
        }
        lineStart = readOffset;
    }

    private void appendPending(byte[] src, int off, int len) {
        if (pendingLen + len > pending.length) {
            pending = java.util.Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLen + len));
        }
        System.arraycopy(src, off, pending, pendingLen, len);
        pendingLen += len;
    }

    private void startSpill() throws IOException {
        Files.createDirectories(spillDir);
        String safe = file.replaceAll("[^A-Za-z0-9._-]", "_");
        spillPath = spillDir.resolve(safe + "-" + lineStart + ".line");
        spill = new BufferedOutputStream(Files.newOutputStream(spillPath), 64 * 1024);
        spill.write(pending, 0, pendingLen);
        spillLen = pendingLen;
        pendingLen = 0;
        if (pending.length > 64 * 1024) {
            pending = new byte[8 * 1024]; // give back what a near-limit line grew
        }
    }

    private void writeSpill(byte[] src, int off, int len) throws IOException {
        spill.write(src, off, len);
        spillLen += len;
    }

    private void finishSpill(LineBatch.Builder out) throws IOException {
        spill.close();
        spill = null;
        out.addTooLong(spillLen, file, lineStart, spillPath);
    }
}
