package io.tetragonroutes.tail;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The lines of a list of old export files, one file after the other, plain or gzipped (by content, whatever the
 * name). A damaged file is read as far as it can be: a gzip cut short or corrupt ends that file with a
 * {@code lost_file} dead letter at the offset where reading stopped, and the next file follows. The checkpoint is
 * the file's index and the offset in it (uncompressed); a restart resumes there, and a finished backfill resumes
 * at its end, reading nothing.
 */
final class BackfillSource implements LineSource {

    private static final Logger LOG = LoggerFactory.getLogger(BackfillSource.class);
    private static final String ORDER = "backfill";

    private final BackfillPlan plan;
    private final List<Path> files;
    private final LineSplitter splitter;
    private int index;
    private long resumeOffset;
    private InputStream in;
    private ReadableByteChannel ch;
    private long rawRead;
    private boolean ended;

    BackfillSource(BackfillPlan plan, Checkpoint resume, LineSplitter splitter) {
        this.plan = plan;
        this.files = plan.files();
        this.splitter = splitter;
        if (resume != null) {
            index = (int) Math.min(resume.ino(), files.size());
            resumeOffset = resume.offset();
        }
        plan.resumed(index, resumeOffset);
        plan.at(index, 0);
    }

    @Override
    public void poll(LineBatch.Builder out, int maxLines, long maxBytes) throws IOException {
        while (!ended && out.size() < maxLines && out.bytes() < maxBytes) {
            if (ch == null && !openNext()) {
                ended = true;
                return;
            }
            if (splitter.next(out)) {
                continue;
            }
            int n;
            try {
                n = splitter.fill(ch);
            } catch (EOFException | ZipException e) { // a gzip cut short, or corrupt
                splitter.finish(out);
                LOG.warn("{} is damaged after byte {} of its content ({}); what followed is dead-lettered as lost_file",
                        files.get(index), splitter.readOffset(), e.getMessage());
                out.addLost(files.get(index).toString(), splitter.readOffset());
                nextFile();
                continue;
            }
            plan.at(index, rawRead);
            if (n <= 0) { // a file's end (a gzip stream can answer 0 there, as ExportFollower knows)
                splitter.finish(out);
                nextFile();
            }
        }
    }

    private boolean openNext() throws IOException {
        if (index >= files.size()) {
            return false;
        }
        Path p = files.get(index);
        InputStream raw = new FilterInputStream(Files.newInputStream(p)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                rawRead += Math.max(n, 0);
                return n;
            }
        };
        rawRead = 0;
        in = FileIdentity.isGzip(p) ? new GZIPInputStream(raw, 1 << 16) : raw;
        long skip = resumeOffset;
        resumeOffset = 0;
        long skipped = 0;
        while (skipped < skip) {
            long k = in.skip(skip - skipped);
            if (k <= 0) {
                break;
            }
            skipped += k;
        }
        ch = Channels.newChannel(in);
        splitter.reset(p.toString(), skipped);
        LOG.info("Backfill: reading {} ({} of {}){}", p, index + 1, files.size(),
                skipped > 0 ? " from byte " + skipped : "");
        return true;
    }

    private void nextFile() throws IOException {
        closeCurrent();
        index++;
        plan.at(index, 0);
    }

    private void closeCurrent() throws IOException {
        if (ch != null) {
            ch.close();
            ch = null;
            in = null;
        }
    }

    @Override
    public Checkpoint position() {
        if (ch == null) {
            return new Checkpoint(index < files.size() ? files.get(index).toString() : "(done)", 0, index, 0, "",
                    resumeOffset, ORDER);
        }
        return new Checkpoint(files.get(index).toString(), 0, index, 0, "", splitter.committed(), ORDER);
    }

    @Override
    public void rewind(Checkpoint cp) throws IOException {
        closeCurrent();
        ended = false;
        index = cp == null ? 0 : (int) Math.min(cp.ino(), files.size());
        resumeOffset = cp == null ? 0 : cp.offset();
        plan.at(index, 0);
    }

    @Override
    public boolean reading() {
        return !ended;
    }

    @Override
    public boolean ended() {
        return ended;
    }

    @Override
    public long lagBytes() {
        return plan.totalBytes() - plan.bytesRead();
    }

    @Override
    public void close() throws IOException {
        closeCurrent();
    }
}
