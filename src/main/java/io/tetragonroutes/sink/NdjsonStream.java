package io.tetragonroutes.sink;

import io.tetragonroutes.event.JsonBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * A batch's NDJSON, read once: a stream over a buffer the formatting thread reuses for its next batch. The buffer
 * goes back to the thread when the stream has been read to its end or closed; after that the stream is at its end.
 * A stream that is neither read out nor closed keeps its buffer, and the thread takes a new one.
 * <p>
 * The app denies it to Camel's stream caching ({@code camel.main.stream-caching-deny-classes}): caching would copy
 * the whole batch into a cache before the file producer reads it, which is the copy this class is here to avoid.
 */
public final class NdjsonStream extends InputStream {

    /** A batch's worth (1000 events of about 2 KB) is kept per thread; a bigger buffer is given back after use. */
    private static final int KEEP = 8 << 20;
    /** The thread's idle buffer; empty while a stream holds it. */
    private static final ThreadLocal<JsonBuffer> IDLE = new ThreadLocal<>();

    private JsonBuffer buf;
    private int pos;

    private NdjsonStream(JsonBuffer buf) {
        buf.reset();
        this.buf = buf;
    }

    /** A stream over this thread's idle buffer (or a new one), empty: fill it through {@link #buffer()}. */
    static NdjsonStream open() {
        JsonBuffer b = IDLE.get();
        if (b == null) {
            b = new JsonBuffer(1 << 20);
        } else {
            IDLE.remove();
        }
        return new NdjsonStream(b);
    }

    /** Where the batch is written, before the stream is read. */
    JsonBuffer buffer() {
        return buf;
    }

    @Override
    public int read() {
        if (available() == 0) {
            close();
            return -1;
        }
        return buf.array()[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        int n = Math.min(available(), len);
        if (n == 0) {
            if (len == 0) {
                return 0;
            }
            close();
            return -1;
        }
        System.arraycopy(buf.array(), pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public long transferTo(OutputStream out) throws IOException {
        int n = available();
        if (n > 0) {
            out.write(buf.array(), pos, n);
            pos += n;
        }
        close();
        return n;
    }

    @Override
    public int available() {
        return buf == null ? 0 : buf.size() - pos;
    }

    @Override
    public long skip(long n) {
        int k = (int) Math.max(0, Math.min(n, available()));
        pos += k;
        return k;
    }

    @Override
    public void close() {
        if (buf != null) {
            buf.reset(KEEP);
            if (IDLE.get() == null) {
                IDLE.set(buf);
            }
            buf = null;
        }
    }
}
