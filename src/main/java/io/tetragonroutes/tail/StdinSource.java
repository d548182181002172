package io.tetragonroutes.tail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;

/**
 * Lines from standard input ({@code kubectl logs ... -c export-stdout | java -jar ...}). A pipe cannot be re-read,
 * so there is no checkpoint and a failed batch is not replayed: at-most-once, as the README says.
 */
final class StdinSource implements LineSource {

    private final InputStream in;
    private final ReadableByteChannel ch;
    private final LineSplitter splitter;
    private boolean ended;

    StdinSource(InputStream in, LineSplitter splitter) throws IOException {
        this.in = in;
        this.ch = Channels.newChannel(in);
        this.splitter = splitter;
        splitter.reset("stdin", 0);
    }

    @Override
    public void poll(LineBatch.Builder out, int maxLines, long maxBytes) throws IOException {
        while (!ended && out.size() < maxLines && out.bytes() < maxBytes) {
            if (splitter.next(out)) {
                continue;
            }
            // Block only when there is nothing to hand out; otherwise let the batch go.
            if (!out.isEmpty() && in.available() == 0) {
                return;
            }
            if (splitter.fill(ch) < 0) {
                splitter.finish(out);
                ended = true;
            }
        }
    }

    @Override
    public Checkpoint position() {
        return null;
    }

    @Override
    public void rewind(Checkpoint cp) {
        // a pipe cannot go back
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
        return 0;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
