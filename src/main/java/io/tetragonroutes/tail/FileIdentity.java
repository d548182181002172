package io.tetragonroutes.tail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Who a file is, independent of its name: device and inode (survive a rename) plus a fingerprint of its first bytes
 * (survives gzip, which makes a new inode, and catches inode reuse and copy-truncate).
 *
 * @param fpLen how many leading bytes the fingerprint covers (0 for an empty file)
 * @param fp    hex of the first 8 bytes of SHA-256 over those bytes
 */
public record FileIdentity(long dev, long ino, int fpLen, String fp) {

    /** Fingerprints grow with the file up to this many bytes: a few Tetragon lines, unique by exec id and time. */
    public static final int FINGERPRINT_BYTES = 1024;

    public boolean sameInode(FileIdentity other) {
        return other != null && dev == other.dev && ino == other.ino;
    }

    /** Device and inode of {@code path}, with no fingerprint; null when it does not exist. */
    static FileIdentity inodeOf(Path path) throws IOException {
        try {
            Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino");
            return new FileIdentity(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue(), 0, "");
        } catch (NoSuchFileException e) {
            return null;
        } catch (UnsupportedOperationException e) {
            Object key = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            return new FileIdentity(0, key == null ? path.hashCode() : key.hashCode(), 0, "");
        }
    }

    FileIdentity withFingerprint(int len, String fp) {
        return new FileIdentity(dev, ino, len, fp);
    }

    /** Fingerprint of the first {@code max} bytes readable at position 0 of an open plain file. */
    static FileIdentity fingerprint(FileIdentity inode, FileChannel ch, int max) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(max);
        long pos = 0;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n <= 0) {
                break;
            }
            pos += n;
        }
        return inode.withFingerprint(b.position(), digest(b.array(), b.position()));
    }

    /** Fingerprint over exactly {@code len} leading bytes of the file's content (gunzipped for .gz); null if shorter. */
    static String fingerprintOf(Path path, int len) throws IOException {
        byte[] b = new byte[len];
        try (InputStream in = open(path)) {
            int got = in.readNBytes(b, 0, len);
            return got < len ? null : digest(b, len);
        } catch (NoSuchFileException e) {
            return null;
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            return null; // a .gz still being written
        }
    }

    /** Inode plus fingerprint of the first bytes of the content (gunzipped for .gz). */
    static FileIdentity identify(Path path) throws IOException {
        FileIdentity ino = inodeOf(path);
        if (ino == null) {
            throw new NoSuchFileException(path.toString());
        }
        try (InputStream in = open(path)) {
            byte[] b = in.readNBytes(FINGERPRINT_BYTES);
            return ino.withFingerprint(b.length, b.length == 0 ? "" : digest(b, b.length));
        }
    }

    static boolean isGzip(Path path) {
        return path.getFileName().toString().endsWith(".gz");
    }

    static InputStream open(Path path) throws IOException {
        InputStream in = Files.newInputStream(path, StandardOpenOption.READ);
        return isGzip(path) ? new GZIPInputStream(in, 64 * 1024) : in;
    }

    private static String digest(byte[] b, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, 0, len);
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
