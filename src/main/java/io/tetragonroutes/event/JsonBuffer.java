package io.tetragonroutes.event;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * Where events are written as JSON: a growable byte array like {@link java.io.ByteArrayOutputStream}, without its
 * per-write lock (one thread fills a buffer) and meant to be reused, so a batch costs one exact-size copy.
 */
public final class JsonBuffer extends OutputStream {

    private byte[] buf;
    private int count;

    public JsonBuffer(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    @Override
    public void write(int b) {
        if (count == buf.length) {
            grow(1);
        }
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (len > buf.length - count) {
            grow(len);
        }
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    @Override
    public void write(byte[] b) {
        write(b, 0, b.length);
    }

    public int size() {
        return count;
    }

    /** Empties the buffer; a buffer that grew past {@code maxKeep} bytes gives its array back. */
    public void reset(int maxKeep) {
        count = 0;
        if (buf.length > maxKeep) {
            buf = new byte[Math.max(16, maxKeep / 4)];
        }
    }

    public void reset() {
        count = 0;
    }

    /** The backing array: its first {@link #size()} bytes are what was written; valid until the next write. */
    public byte[] array() {
        return buf;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, count);
    }

    private void grow(int need) {
        long want = Math.max((long) buf.length * 2, (long) count + need);
        if (want > Integer.MAX_VALUE - 16) {
            throw new OutOfMemoryError("a JSON buffer over 2 GB");
        }
        buf = Arrays.copyOf(buf, (int) want);
    }
}
