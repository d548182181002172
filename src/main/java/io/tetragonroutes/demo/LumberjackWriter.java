package io.tetragonroutes.demo;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Writes an export the way Tetragon does (its lumberjack rotation): one write per line; when the next line would
 * pass {@code maxBytes} the file is renamed to {@code <base>-<UTC stamp><ext>} and a new one is opened; with
 * compression the backup is gzipped via {@code .gz.tmp} and the plain backup removed; backups past
 * {@code maxBackups} are deleted oldest first. Used by the demo and by tests as the stand-in for Tetragon.
 */
public final class LumberjackWriter implements Closeable {

    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSS").withZone(ZoneOffset.UTC);

    private final Path path;
    private final long maxBytes;
    private final int maxBackups;
    private final boolean compress;
    private OutputStream out;
    private long size;
    private Instant lastStamp = Instant.EPOCH;
    private final List<Path> rotated = new ArrayList<>();

    public LumberjackWriter(Path path, long maxBytes, int maxBackups, boolean compress) throws IOException {
        this.path = path;
        this.maxBytes = maxBytes;
        this.maxBackups = maxBackups;
        this.compress = compress;
        Files.createDirectories(path.toAbsolutePath().getParent());
        open();
    }

    /** Writes one line; {@code line} must not contain the newline, which is added. */
    public void writeLine(byte[] line) throws IOException {
        byte[] withNewline = new byte[line.length + 1];
        System.arraycopy(line, 0, withNewline, 0, line.length);
        withNewline[line.length] = '\n';
        if (size > 0 && size + withNewline.length > maxBytes) {
            rotate();
        }
        out.write(withNewline);
        out.flush();
        size += withNewline.length;
    }

    /** Renames the live file to a stamped backup and opens a new one; returns the backup's final path. */
    public Path rotate() throws IOException {
        out.close();
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS); // names have ms precision
        if (!now.isAfter(lastStamp)) {
            now = lastStamp.plusMillis(1); // two rotations in one millisecond still get distinct, ordered names
        }
        lastStamp = now;
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        Path backup = path.resolveSibling(base + "-" + STAMP.format(now) + ext);
        Files.move(path, backup, StandardCopyOption.ATOMIC_MOVE);
        open();
        if (compress) {
            backup = gzip(backup);
        }
        rotated.add(backup);
        prune();
        return backup;
    }

    /** Gzips a backup the way lumberjack does: to {@code .gz.tmp}, renamed to {@code .gz}, then the plain one removed. */
    public static Path gzip(Path backup) throws IOException {
        Path tmp = backup.resolveSibling(backup.getFileName() + ".gz.tmp");
        Path gz = backup.resolveSibling(backup.getFileName() + ".gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(tmp))) {
            Files.copy(backup, o);
        }
        Files.move(tmp, gz, StandardCopyOption.ATOMIC_MOVE);
        Files.delete(backup);
        return gz;
    }

    public List<Path> rotatedFiles() {
        return List.copyOf(rotated);
    }

    private void open() throws IOException {
        out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        size = Files.size(path);
    }

    private void prune() throws IOException {
        if (maxBackups <= 0) {
            return;
        }
        String name = path.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String prefix = (dot > 0 ? name.substring(0, dot) : name) + "-";
        List<Path> backups = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(path.toAbsolutePath().getParent(), prefix + "*")) {
            ds.forEach(p -> {
                if (!p.getFileName().toString().endsWith(".tmp")) {
                    backups.add(p);
                }
            });
        }
        backups.sort(null);
        for (int i = 0; i < backups.size() - maxBackups; i++) {
            Files.deleteIfExists(backups.get(i));
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
