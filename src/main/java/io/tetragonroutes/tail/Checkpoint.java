package io.tetragonroutes.tail;

/**
 * Where the tail resumes: the file (by identity, its name only a hint) and the byte offset just after the last line
 * that every sink accepted.
 *
 * @param order a lower bound of the file's place in the rotation sequence: its rotation stamp
 *              ({@code yyyy-MM-ddTHH-mm-ss.SSS}, UTC, as Tetragon names backups) for a backup, or the last time it
 *              was seen as the live file. Backups stamped later than this hold later lines.
 */
public record Checkpoint(String file, long dev, long ino, int fpLen, String fp, long offset, String order) {

    FileIdentity identity() {
        return new FileIdentity(dev, ino, fpLen, fp);
    }

    static Checkpoint of(String file, FileIdentity id, long offset, String order) {
        return new Checkpoint(file, id.dev(), id.ino(), id.fpLen(), id.fp(), offset, order);
    }
}
