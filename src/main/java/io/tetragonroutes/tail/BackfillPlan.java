package io.tetragonroutes.tail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The files a backfill ships, in order, and how far it got. Bound in Camel's registry as {@value #BEAN}; the tail
 * endpoint {@code tetragon-tail:backfill:<id>} reads them one after the other instead of following an export, with
 * checkpoints of its own (the id is derived from the files, so the same arguments resume the same backfill).
 */
public final class BackfillPlan {

    public static final String BEAN = "tetragonBackfill";
    public static final String PATH_PREFIX = "backfill:";

    private final List<Path> files;
    private final long[] sizes;
    private final long totalBytes;
    private final String id;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile int fileIndex;
    private volatile long bytesBefore;
    private volatile long bytesInFile;
    private volatile int resumedAt;
    private volatile long resumedOffset;

    public BackfillPlan(List<Path> files) throws IOException {
        this.files = List.copyOf(files);
        this.sizes = new long[files.size()];
        long total = 0;
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < files.size(); i++) {
            sizes[i] = Files.size(files.get(i));
            total += sizes[i];
            sha.update(files.get(i).toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        this.totalBytes = total;
        this.id = HexFormat.of().formatHex(sha.digest(), 0, 8);
    }

    public List<Path> files() {
        return files;
    }

    public String id() {
        return id;
    }

    /** The tail path: {@code backfill:<id>}. */
    public String path() {
        return PATH_PREFIX + id;
    }

    public long totalBytes() {
        return totalBytes;
    }

    /** Bytes of the files (as on disk: a gzipped file counts compressed) read so far. */
    public long bytesRead() {
        return Math.min(totalBytes, bytesBefore + bytesInFile);
    }

    /** Files finished, of {@link #files()}. */
    public int filesDone() {
        return fileIndex;
    }

    /** Completes when every line has been read and every batch accepted (or dead-lettered). */
    public CompletableFuture<Void> done() {
        return done;
    }

    /** The file (index) and offset this run started at: 0 and 0 for a new backfill, the end for a finished one. */
    public int resumedAt() {
        return resumedAt;
    }

    public long resumedOffset() {
        return resumedOffset;
    }

    void resumed(int index, long offset) {
        resumedAt = index;
        resumedOffset = offset;
    }

    void at(int index, long bytesInCurrent) {
        long before = 0;
        for (int i = 0; i < Math.min(index, sizes.length); i++) {
            before += sizes[i];
        }
        bytesBefore = before;
        bytesInFile = bytesInCurrent;
        fileIndex = index;
    }

    void finished() {
        at(files.size(), 0);
        done.complete(null);
    }
}
