package io.tetragonroutes.tail;

import java.io.Closeable;
import java.io.IOException;

/** Where the tail consumer gets lines from: the export file (with rotation) or standard input. */
interface LineSource extends Closeable {

    /** Appends whatever complete lines are available now, up to the limits; never blocks on an idle file. */
    void poll(LineBatch.Builder out, int maxLines, long maxBytes) throws IOException;

    /** Where a restart resumes after the last line handed out; null when the source cannot resume. */
    Checkpoint position();

    /** Go back to {@code cp} (the last position every sink accepted) after a failed batch. */
    void rewind(Checkpoint cp) throws IOException;

    /** True while a file (or stream) is open and being read. */
    boolean reading();

    /** True once the source can never produce another line (standard input closed). */
    boolean ended();

    /** Bytes written to the export that have not been read yet. */
    long lagBytes();
}
