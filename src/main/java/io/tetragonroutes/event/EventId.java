package io.tetragonroutes.event;

import java.util.Base64;

/**
 * An event's stable id: MurmurHash3 (x64, 128 bits, seed 0) of its raw line's bytes, as 22 characters of URL-safe
 * base64 without padding. The same line read again (by the live tail after a lost checkpoint, by a backfill, or
 * by the hub from a node agent's Kafka record, which carries it as the {@code tetragon-id} header) gets the same id
 * whatever enrichment or rules added, so a sink that keys on it ({@code _id} of an Elasticsearch {@code create})
 * keeps one copy. Two different events never share a line: Tetragon's lines carry the observation time in
 * nanoseconds and the process's {@code exec_id}. About 0.3 microseconds for a 2 kB line; no allocation but the
 * result.
 */
public final class EventId {

    private static final long C1 = 0x87c37b91114253d5L;
    private static final long C2 = 0x4cf5ad432745937fL;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private EventId() {
    }

    /** The id of {@code buf[off, off+len)}. */
    public static String of(byte[] buf, int off, int len) {
        long h1 = 0, h2 = 0;
        int blocks = len >>> 4;
        for (int i = 0; i < blocks; i++) {
            int p = off + (i << 4);
            long k1 = getLong(buf, p);
            long k2 = getLong(buf, p + 8);
            k1 *= C1;
            k1 = Long.rotateLeft(k1, 31);
            k1 *= C2;
            h1 ^= k1;
            h1 = Long.rotateLeft(h1, 27);
            h1 += h2;
            h1 = h1 * 5 + 0x52dce729;
            k2 *= C2;
            k2 = Long.rotateLeft(k2, 33);
            k2 *= C1;
            h2 ^= k2;
            h2 = Long.rotateLeft(h2, 31);
            h2 += h1;
            h2 = h2 * 5 + 0x38495ab5;
        }
        int tail = off + (blocks << 4);
        long k1 = 0, k2 = 0;
        switch (len & 15) {
            case 15: k2 ^= (long) (buf[tail + 14] & 0xff) << 48;
            case 14: k2 ^= (long) (buf[tail + 13] & 0xff) << 40;
            case 13: k2 ^= (long) (buf[tail + 12] & 0xff) << 32;
            case 12: k2 ^= (long) (buf[tail + 11] & 0xff) << 24;
            case 11: k2 ^= (long) (buf[tail + 10] & 0xff) << 16;
            case 10: k2 ^= (long) (buf[tail + 9] & 0xff) << 8;
            case 9:
                k2 ^= buf[tail + 8] & 0xff;
                k2 *= C2;
                k2 = Long.rotateLeft(k2, 33);
                k2 *= C1;
                h2 ^= k2;
            case 8: k1 ^= (long) (buf[tail + 7] & 0xff) << 56;
            case 7: k1 ^= (long) (buf[tail + 6] & 0xff) << 48;
            case 6: k1 ^= (long) (buf[tail + 5] & 0xff) << 40;
            case 5: k1 ^= (long) (buf[tail + 4] & 0xff) << 32;
            case 4: k1 ^= (long) (buf[tail + 3] & 0xff) << 24;
            case 3: k1 ^= (long) (buf[tail + 2] & 0xff) << 16;
            case 2: k1 ^= (long) (buf[tail + 1] & 0xff) << 8;
            case 1:
                k1 ^= buf[tail] & 0xff;
                k1 *= C1;
                k1 = Long.rotateLeft(k1, 31);
                k1 *= C2;
                h1 ^= k1;
            default:
        }
        h1 ^= len;
        h2 ^= len;
        h1 += h2;
        h2 += h1;
        h1 = fmix(h1);
        h2 = fmix(h2);
        h1 += h2;
        h2 += h1;
        byte[] out = new byte[16];
        putLong(out, 0, h1);
        putLong(out, 8, h2);
        return B64.encodeToString(out);
    }

    private static long getLong(byte[] b, int p) {
        return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24
                | (b[p + 4] & 0xffL) << 32 | (b[p + 5] & 0xffL) << 40 | (b[p + 6] & 0xffL) << 48
                | (b[p + 7] & 0xffL) << 56;
    }

    /** Little-endian, as the reference implementation lays out its two 64-bit halves. */
    private static void putLong(byte[] b, int p, long v) {
        for (int i = 0; i < 8; i++) {
            b[p + i] = (byte) (v >>> (8 * i));
        }
    }

    private static long fmix(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
