package io.tetragonroutes.sink.file;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file that batches are appended to whole, and that is rotated by size the way logrotate and Tetragon's own export
 * are: when a batch would take it past {@code maxBytes}, it becomes {@code <name>.1}, older backups move up one, and
 * the one past {@code maxBackups} is deleted. The disk a sink may fill is bounded by
 * {@code (maxBackups + 1) * maxBytes} plus one batch; {@code maxBytes == 0} appends to one file forever.
 * <p>
 * A batch never straddles two files, and a batch that fails half way (disk full, a stream that breaks) is cut back
 * off the file, so the retry that follows does not leave half a batch before the whole one. The file is opened per
 * batch, so a file removed or rotated by someone else is simply created again.
 */
public final class RotatingFile {

    private static final Logger LOG = LoggerFactory.getLogger(RotatingFile.class);
    /** Bytes per write(2): the JDK copies a heap array through a direct buffer of this size, reused per thread. */
    private static final int CHUNK = 128 << 10;
    private static final StandardOpenOption[] APPEND = {
        StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND};

    private final Path file;
    private final long maxBytes;
    private final int maxBackups;
    private long rotations;

    public RotatingFile(Path file, long maxBytes, int maxBackups) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be 0 (no rotation) or more, was " + maxBytes);
        }
        if (maxBackups < 0) {
            throw new IllegalArgumentException("maxBackups must be 0 or more, was " + maxBackups);
        }
        this.file = file.toAbsolutePath();
        this.maxBytes = maxBytes;
        this.maxBackups = maxBackups;
    }

    public Path file() {
        return file;
    }

    /** The {@code n}th backup, {@code <name>.n}; 1 is the newest. */
    public Path backup(int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    /** How many times this file has been rotated since this object was made. */
    public synchronized long rotations() {
        return rotations;
    }

    /**
     * Appends all of {@code batch}, {@code length} bytes when known (-1 if not), rotating first when the batch
     * would not fit. Returns the bytes written.
     */
    public synchronized long append(InputStream batch, long length) throws IOException {
        FileChannel ch = open();
        try {
            long start = ch.size();
            if (maxBytes > 0 && start > 0 && start + Math.max(length, 0) > maxBytes) {
                ch.close();
                rotate();
                ch = open();
                start = ch.size(); // 0, unless another writer got in first
            }
            try {
                return batch.transferTo(new ChannelOut(ch));
            } catch (IOException | RuntimeException e) {
                try {
                    ch.truncate(start); // no half batch for the retry to follow
                } catch (IOException cut) {
                    e.addSuppressed(cut); // the write's failure is the one to report
                }
                throw e;
            }
        } finally {
            ch.close();
        }
    }

    private FileChannel open() throws IOException {
        try {
            return FileChannel.open(file, APPEND);
        } catch (NoSuchFileException e) {
            Files.createDirectories(file.getParent()); // first batch, or the directory was removed
            return FileChannel.open(file, APPEND);
        }
    }

    /** Renames only, each atomic: a crash half way leaves a gap in the numbers, which the next rotation skips. */
    private void rotate() throws IOException {
        for (int n = maxBackups + 1; Files.exists(backup(n)); n++) {
            Files.delete(backup(n)); // left by a larger maxBackups before
        }
        if (maxBackups == 0) {
            Files.deleteIfExists(file);
        } else {
            Files.deleteIfExists(backup(maxBackups));
            for (int n = maxBackups - 1; n >= 1; n--) {
                if (Files.exists(backup(n))) {
                    Files.move(backup(n), backup(n + 1), StandardCopyOption.ATOMIC_MOVE);
                }
            }
            Files.move(file, backup(1), StandardCopyOption.ATOMIC_MOVE);
        }
        rotations++;
        LOG.debug("rotated {} ({} backups kept)", file, maxBackups);
    }

    /** Writes through the channel in slices, without a copy of the caller's array of its own. */
    private static final class ChannelOut extends OutputStream {
        private final FileChannel ch;

        ChannelOut(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int end = off + len; off < end; ) {
                ByteBuffer slice = ByteBuffer.wrap(b, off, Math.min(CHUNK, end - off));
                while (slice.hasRemaining()) {
                    ch.write(slice);
                }
                off = slice.position();
            }
        }
    }
}
