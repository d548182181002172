package io.tetragonroutes.tail;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tail -F} for Tetragon's export with no loss and no duplicates across rotation.
 * <p>
 * The live file is followed by name. When its name points to another inode, the file we hold open was rotated: we
 * read it to the end through the open handle (which survives rename, gzip and delete), then continue with the
 * backups stamped after it, then the new live file. On start we resume at the checkpoint, finding the file by inode
 * and fingerprint under whatever name it has now, {@code .gz} included. A live file that shrinks or whose first
 * bytes change was copy-truncated: we finish its copy if one is there, then read the live file from byte 0.
 */
final class ExportFollower implements LineSource {

    private static final Logger LOG = LoggerFactory.getLogger(ExportFollower.class);

    private static final class Open {
        final Path path;
        final boolean live;
        final ReadableByteChannel ch;
        final FileChannel fc; // null for .gz
        FileIdentity id;
        String order;
        boolean thenLive; // a copy-truncate copy: after it, the live file from byte 0

        Open(Path path, boolean live, FileIdentity id, ReadableByteChannel ch, FileChannel fc, String order) {
            this.path = path;
            this.live = live;
            this.id = id;
            this.ch = ch;
            this.fc = fc;
            this.order = order;
        }
    }

    private final ExportFiles files;
    private final LineSplitter splitter;
    private final TailMetrics metrics;
    /** Where a first start (no checkpoint) begins: {@code beginning}, {@code live} or {@code end}. */
    private final String startAt;
    private boolean announced;
    private final String startedAt;
    private Open cur;
    private Checkpoint resumeFrom;
    private Checkpoint startPosition;
    private Checkpoint lastPosition;
    private String afterOrder;
    private FileIdentity afterId;
    private boolean waitingLogged;
    private long lag;
    private long lagCheckedAt;

    ExportFollower(Path live, String startAt, Checkpoint resumeFrom, LineSplitter splitter, TailMetrics metrics) {
        // Backup stamps have millisecond precision and "after" is strict: a file rotated in the very millisecond we
        // start must count as new (reading one old file then is better than losing a new one).
        this.startedAt = ExportFiles.stamp(java.time.Instant.now().minusMillis(1));
        this.files = new ExportFiles(live);
        this.startAt = startAt;
        this.resumeFrom = resumeFrom;
        this.startPosition = resumeFrom;
        this.splitter = splitter;
        this.metrics = metrics;
    }

    @Override
    public void poll(LineBatch.Builder out, int maxLines, long maxBytes) throws IOException {
        if (cur == null && !open(out)) {
            updateLag();
            return;
        }
        while (out.size() < maxLines && out.bytes() < maxBytes) {
            if (splitter.next(out)) {
                continue;
            }
            if (splitter.fill(cur.ch) > 0) {
                continue;
            }
            if (!atEndOfFile(out)) {
                break;
            }
        }
        updateLag();
    }

    @Override
    public Checkpoint position() {
        if (cur == null) {
            return lastPosition;
        }
        return Checkpoint.of(cur.path.toString(), cur.id, splitter.committed(), cur.order);
    }

    @Override
    public void rewind(Checkpoint cp) throws IOException {
        closeCurrent();
        afterOrder = null;
        resumeFrom = cp != null ? cp : startPosition;
        lastPosition = resumeFrom;
    }

    @Override
    public boolean reading() {
        return cur != null;
    }

    @Override
    public boolean ended() {
        return false;
    }

    @Override
    public long lagBytes() {
        return lag;
    }

    @Override
    public void close() throws IOException {
        closeCurrent();
    }

    // ---- opening ------------------------------------------------------------------------------------------

    private boolean open(LineBatch.Builder out) throws IOException {
        if (resumeFrom != null) {
            Checkpoint cp = resumeFrom;
            resumeFrom = null;
            return resume(cp, out);
        }
        if (afterOrder != null) {
            return openNext(afterOrder, afterId);
        }
        // First start. beginning: every backup Tetragon still keeps, oldest first, then the live file. live: the
        // live file from byte 0, plus any backup rotated since we started (or while we waited for the file). end:
        // the live file from its end.
        boolean opened = switch (startAt) {
            case "end" -> openLive(true);
            case "live" -> openNext(startedAt, null);
            default -> {
                announceRetained();
                yield openNext(null, null);
            }
        };
        if (opened) {
            startPosition = position();
        }
        return opened;
    }

    /** Says once, at a first start from the beginning, which files it will read and how many bytes they hold. */
    private void announceRetained() throws IOException {
        if (announced) {
            return;
        }
        List<ExportFiles.Backup> retained = files.backupsAfter(null);
        if (retained.isEmpty() && !Files.exists(files.live)) {
            return; // nothing yet: say it when the first file is there
        }
        announced = true;
        long bytes = 0;
        List<String> names = new ArrayList<>();
        for (ExportFiles.Backup b : retained) {
            bytes += sizeOf(b.path());
            names.add(b.path().getFileName().toString());
        }
        long liveBytes = sizeOf(files.live);
        LOG.info("First start (start-at=beginning): reading {} retained backup{} oldest first {}, then {}: {} bytes{}",
                retained.size(), retained.size() == 1 ? "" : "s", names, files.live, bytes + liveBytes,
                retained.stream().anyMatch(ExportFiles.Backup::gz) ? " (gzipped backups counted compressed)" : "");
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0; // rotated or deleted meanwhile
        }
    }

    private boolean openLive(boolean atEnd) throws IOException {
        String seen = ExportFiles.stampNow(); // before the stat: a lower bound of this file's rotation stamp
        FileIdentity ino = FileIdentity.inodeOf(files.live);
        if (ino == null) {
            if (!waitingLogged) {
                LOG.info("Waiting for the Tetragon export file {} to appear (is Tetragon running with "
                        + "--export-filename, and is the directory mounted?)", files.live);
                waitingLogged = true;
            }
            return false;
        }
        FileChannel fc;
        try {
            fc = FileChannel.open(files.live, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (!ino.sameInode(FileIdentity.inodeOf(files.live))) {
            fc.close(); // renamed between stat and open: try again on the next poll
            return false;
        }
        long offset = atEnd ? endOfLastLine(fc) : 0;
        FileIdentity id = FileIdentity.fingerprint(ino, fc, FileIdentity.FINGERPRINT_BYTES);
        fc.position(offset);
        cur = new Open(files.live, true, id, fc, fc, seen);
        splitter.reset(files.live.toString(), offset);
        afterOrder = null;
        if (atEnd) {
            LOG.info("Reading {} from byte {} (start-at=end)", files.live, offset);
        }
        waitingLogged = false;
        return true;
    }

    private boolean resume(Checkpoint cp, LineBatch.Builder out) throws IOException {
        FileIdentity want = cp.identity();
        String seen = ExportFiles.stampNow();
        FileIdentity ino = FileIdentity.inodeOf(files.live);
        if (ino != null && ino.sameInode(want)) {
            FileChannel fc = FileChannel.open(files.live, StandardOpenOption.READ);
            int len = want.fpLen() > 0 ? want.fpLen() : FileIdentity.FINGERPRINT_BYTES;
            FileIdentity id = FileIdentity.fingerprint(ino, fc, len);
            if (want.fpLen() == 0 || id.fp().equals(want.fp())) {
                long offset = cp.offset();
                if (fc.size() < offset) {
                    LOG.warn("{} is shorter ({} bytes) than the checkpoint ({}): it was truncated while we were "
                            + "stopped; reading it from the start", files.live, fc.size(), offset);
                    metrics.truncated();
                    offset = 0;
                }
                fc.position(offset);
                cur = new Open(files.live, true, FileIdentity.fingerprint(ino, fc, FileIdentity.FINGERPRINT_BYTES),
                        fc, fc, later(seen, cp.order()));
                splitter.reset(files.live.toString(), offset);
                LOG.info("Resuming {} at byte {}", files.live, offset);
                return true;
            }
            fc.close();
        }
        for (Path p : files.candidates()) {
            if (isSameFile(p, want)) {
                String stamp = files.stampOf(p);
                openBackup(p, cp.offset(), stamp != null ? stamp : cp.order());
                cur.thenLive = stamp == null;
                LOG.info("Resuming in rotated file {} at byte {}", p, cp.offset());
                return true;
            }
        }
        if (cp.offset() > 0) {
            LOG.warn("The checkpointed file {} (read up to byte {}) is gone: it was rotated and deleted while we "
                    + "were stopped. Its remaining lines are lost; continuing with the next file.", cp.file(),
                    cp.offset());
            lost(out, cp.file(), cp.offset());
        }
        afterOrder = cp.order();
        afterId = want;
        lastPosition = cp;
        return openNext(cp.order(), want);
    }

    /**
     * Opens the oldest backup stamped after {@code order} that is not {@code done}, else the live file. The live
     * file is opened before the directory is listed: if it is rotated in between, it shows up in the listing and
     * is read as that backup (the live handle is dropped unread), instead of being skipped.
     */
    private boolean openNext(String order, FileIdentity done) throws IOException {
        boolean live = openLive(false);
        for (ExportFiles.Backup b : files.backupsAfter(order)) {
            if (isSameFile(b.path(), done)) {
                // the file just finished, now a backup: what comes next rotated after its stamp, not after the
                // order it had while it was live (the clock then, which may be behind stamps already read)
                order = later(order, b.stamp());
                continue;
            }
            closeCurrent();
            openBackup(b.path(), 0, b.stamp());
            LOG.info("Reading rotated file {}", b.path());
            return true;
        }
        if (live) {
            cur.order = later(cur.order, order);
            LOG.info("Reading {} from byte 0", files.live);
        }
        return live;
    }

    /**
     * The later of two rotation stamps (null is earliest). A live file reached after a backup rotates after it,
     * whatever the clock says now: a clock stepped back, or a writer that stamps two rotations in one millisecond
     * a millisecond apart, must not make the backups already read look newer than the live file.
     */
    private static String later(String a, String b) {
        return a == null ? b : b == null || a.compareTo(b) >= 0 ? a : b;
    }

    private void openBackup(Path p, long offset, String order) throws IOException {
        openBackup(p, offset, order, false);
    }

    private void openBackup(Path p, long offset, String order, boolean sameStream) throws IOException {
        FileIdentity id = FileIdentity.identify(p);
        if (FileIdentity.isGzip(p)) {
            InputStream in = FileIdentity.open(p);
            long skipped = in.skip(offset);
            while (skipped < offset) {
                long n = in.skip(offset - skipped);
                if (n <= 0) {
                    break;
                }
                skipped += n;
            }
            cur = new Open(p, false, id, Channels.newChannel(in), null, order);
            startSplitter(p, skipped, sameStream);
        } else {
            FileChannel fc = FileChannel.open(p, StandardOpenOption.READ);
            fc.position(offset);
            cur = new Open(p, false, id, fc, fc, order);
            startSplitter(p, offset, sameStream);
        }
        afterOrder = null;
    }

    // ---- end of file: nothing new, rotated, truncated ------------------------------------------------------

    /** At the end of what is readable: returns true when there is more to read now (another file, new bytes). */
    private boolean atEndOfFile(LineBatch.Builder out) throws IOException {
        if (!cur.live) {
            return finishAndNext(out);
        }
        String seen = ExportFiles.stampNow(); // taken before the stat, so it can never pass the rotation's stamp
        FileIdentity now = FileIdentity.inodeOf(files.live);
        if (now != null && now.sameInode(cur.id)) {
            if (cur.fc.size() < splitter.readOffset() || firstBytesChanged()) {
                return truncated(out);
            }
            cur.order = later(cur.order, seen);
            growFingerprint();
            return false;
        }
        // Renamed (rotated) or deleted. Lines written just before the rename are still behind the open handle.
        if (splitter.fill(cur.ch) > 0) {
            return true;
        }
        LOG.info("{} was rotated; finishing the rotated file, then following the new one", files.live);
        metrics.rotated();
        return finishAndNext(out);
    }

    private boolean openLiveFromStart() throws IOException {
        boolean opened = openLive(false);
        if (opened) {
            LOG.info("Reading {} from byte 0", files.live);
        }
        return opened;
    }

    private boolean finishAndNext(LineBatch.Builder out) throws IOException {
        splitter.finish(out);
        growFingerprint(); // a file rotated before we saw it grow, or its .gz would look like a new file
        Open done = cur;
        lastPosition = position();
        closeCurrent();
        if (done.thenLive) {
            return openLiveFromStart();
        }
        afterOrder = done.order;
        afterId = done.id;
        return openNext(done.order, done.id);
    }

    private boolean truncated(LineBatch.Builder out) throws IOException {
        long at = splitter.readOffset();
        metrics.truncated();
        for (Path p : files.candidates()) {
            boolean longEnough = FileIdentity.isGzip(p) || Files.size(p) >= at;
            if (longEnough && isSameFile(p, cur.id)) {
                LOG.info("{} was truncated in place (copy-truncate); reading its copy {} from byte {}", files.live, p,
                        at);
                String order = cur.order;
                closeCurrent();
                openBackup(p, at, order, true); // same byte stream, same offsets: keep the partial line
                cur.thenLive = true;
                return true;
            }
        }
        LOG.warn("{} was truncated in place and no copy of it was found: lines written after byte {} and before "
                + "the truncation are lost", files.live, at);
        splitter.finish(out);
        lost(out, files.live.toString(), splitter.committed());
        closeCurrent();
        return openLiveFromStart();
    }

    /** Extends the current plain file's fingerprint to its full length once the file has grown past it. */
    private void growFingerprint() throws IOException {
        if (cur.fc != null && cur.id.fpLen() < FileIdentity.FINGERPRINT_BYTES && cur.fc.size() > cur.id.fpLen()) {
            cur.id = FileIdentity.fingerprint(cur.id, cur.fc, FileIdentity.FINGERPRINT_BYTES);
        }
    }

    /** A file is gone before it was read to the end: counted, and carried in the batch to the dead-letter output. */
    private void lost(LineBatch.Builder out, String file, long offset) {
        metrics.lostFile();
        out.addLost(file, offset);
    }

    private boolean firstBytesChanged() throws IOException {
        if (cur.id.fpLen() == 0) {
            return false;
        }
        FileIdentity again = FileIdentity.fingerprint(cur.id, cur.fc, cur.id.fpLen());
        return again.fpLen() < cur.id.fpLen() || !again.fp().equals(cur.id.fp());
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    /** Same content start (fingerprint), or for an empty fingerprint the same inode. */
    private static boolean isSameFile(Path p, FileIdentity id) throws IOException {
        if (id == null) {
            return false;
        }
        if (id.fpLen() > 0) {
            return id.fp().equals(FileIdentity.fingerprintOf(p, id.fpLen()));
        }
        return !FileIdentity.isGzip(p) && id.sameInode(FileIdentity.inodeOf(p));
    }

    private void startSplitter(Path p, long offset, boolean sameStream) throws IOException {
        if (sameStream) {
            splitter.continueIn(p.toString());
        } else {
            splitter.reset(p.toString(), offset);
        }
    }

    private static long endOfLastLine(FileChannel fc) throws IOException {
        long size = fc.size();
        ByteBuffer b = ByteBuffer.allocate(8192);
        long pos = size;
        while (pos > 0) {
            int n = (int) Math.min(b.capacity(), pos);
            pos -= n;
            b.clear().limit(n);
            fc.read(b, pos);
            for (int i = n - 1; i >= 0; i--) {
                if (b.get(i) == '\n') {
                    return pos + i + 1;
                }
            }
        }
        return 0;
    }

    private void closeCurrent() throws IOException {
        if (cur != null) {
            Open c = cur;
            cur = null;
            c.ch.close();
        }
    }

    private void updateLag() {
        long now = System.nanoTime();
        if (now - lagCheckedAt < 1_000_000_000L) {
            return;
        }
        lagCheckedAt = now;
        try {
            long l = 0;
            if (cur != null && cur.fc != null) {
                l += Math.max(0, cur.fc.size() - splitter.readOffset());
            }
            String order = cur != null ? cur.order : afterOrder;
            if (cur == null || !cur.live) {
                for (ExportFiles.Backup b : files.backupsAfter(order)) {
                    if (cur == null || !isSameFile(b.path(), cur.id)) {
                        l += Files.size(b.path());
                    }
                }
                if (Files.exists(files.live)) {
                    l += Files.size(files.live);
                }
            }
            lag = l;
            metrics.lag(l);
        } catch (IOException e) {
            LOG.debug("lag check failed", e);
        }
    }
}
