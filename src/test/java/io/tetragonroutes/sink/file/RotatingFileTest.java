package io.tetragonroutes.sink.file;

import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file sink's file: whole batches, rotation by size, bounded backups, and no half batch after a failure. */
class RotatingFileTest {

    @TempDir
    Path dir;

    /** A batch of {@code size} bytes: lines that name the batch, the last one padded, newline-terminated. */
    private static byte[] batch(int n, int size) {
        StringBuilder b = new StringBuilder();
        String line = "{\"batch\":" + n + "}\n";
        String pad = "{\"batch\":" + n + ",\"pad\":\"";
        while (b.length() + line.length() + pad.length() + 3 <= size) {
            b.append(line);
        }
        int fill = size - b.length() - pad.length() - 3;
        b.append(pad).append("x".repeat(fill)).append("\"}\n");
        byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
        assertEquals(size, bytes.length);
        return bytes;
    }

    private static long append(RotatingFile f, byte[] bytes) throws IOException {
        return f.append(new ByteArrayInputStream(bytes), bytes.length);
    }

    private static List<Integer> batches(Path file) throws IOException {
        List<Integer> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            int n = Integer.parseInt(line.replaceAll("^\\{\"batch\":(\\d+).*", "$1"));
            if (out.isEmpty() || out.get(out.size() - 1) != n) {
                out.add(n);
            }
        }
        return out;
    }

    @Test
    void rotatesBeforeABatchWouldPassTheMaximumAndKeepsTheNewestBackups() throws IOException {
        RotatingFile f = new RotatingFile(dir.resolve("events.ndjson"), 1000, 2);
        for (int i = 1; i <= 10; i++) {
            assertEquals(300, append(f, batch(i, 300)));
        }
        // three batches fit in 1000 bytes: [1-3] [4-6] [7-9] [10], and the oldest is past the two backups kept
        assertEquals(List.of(10), batches(f.file()));
        assertEquals(List.of(7, 8, 9), batches(f.backup(1)));
        assertEquals(List.of(4, 5, 6), batches(f.backup(2)));
        assertFalse(Files.exists(f.backup(3)), "batches 1-3 are deleted");
        assertEquals(3, f.rotations());
        for (Path p : List.of(f.file(), f.backup(1), f.backup(2))) {
            assertTrue(Files.size(p) <= 1000, p + " is within the maximum");
        }
    }

    @Test
    void aBatchBiggerThanTheMaximumGoesWholeIntoAFileOfItsOwn() throws IOException {
        RotatingFile f = new RotatingFile(dir.resolve("events.ndjson"), 100, 3);
        append(f, batch(1, 60));
        append(f, batch(2, 250));
        append(f, batch(3, 60));
        assertEquals(List.of(1), batches(f.backup(2)));
        assertEquals(List.of(2), batches(f.backup(1)), "never split across two files");
        assertEquals(250, Files.size(f.backup(1)));
        assertEquals(List.of(3), batches(f.file()));
    }

    @Test
    void zeroMaximumNeverRotates() throws IOException {
        RotatingFile f = new RotatingFile(dir.resolve("events.ndjson"), 0, 5);
        for (int i = 1; i <= 20; i++) {
            append(f, batch(i, 500));
        }
        assertEquals(10_000, Files.size(f.file()));
        assertFalse(Files.exists(f.backup(1)));
        assertEquals(0, f.rotations());
    }

    @Test
    void zeroBackupsStartsTheFileAgain() throws IOException {
        RotatingFile f = new RotatingFile(dir.resolve("events.ndjson"), 500, 0);
        for (int i = 1; i <= 5; i++) {
            append(f, batch(i, 300));
        }
        assertEquals(List.of(5), batches(f.file()));
        assertFalse(Files.exists(f.backup(1)));
        assertEquals(4, f.rotations());
    }

    @Test
    void aBatchThatFailsHalfWayIsCutBackOffSoTheRetryLeavesNoHalfBatch() throws IOException {
        RotatingFile f = new RotatingFile(dir.resolve("events.ndjson"), 0, 5);
        append(f, batch(1, 200));
        byte[] second = batch(2, 300_000); // more than one write(2) of the file's chunks
        InputStream breaks = new InputStream() {
            private final InputStream in = new ByteArrayInputStream(second, 0, 200_000);

            @Override
            public int read() throws IOException {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("disk went away");
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n < 0) {
                    throw new IOException("disk went away");
                }
                return n;
            }
        };
        IOException e = assertThrows(IOException.class, () -> f.append(breaks, second.length));
        assertEquals("disk went away", e.getMessage());
        assertEquals(200, Files.size(f.file()), "the part written before the failure is gone");
        append(f, second); // the retry
        assertEquals(List.of(1, 2), batches(f.file()));
        assertEquals(200 + second.length, Files.size(f.file()));
    }

    @Test
    void aRemovedDirectoryIsCreatedAgainAndBackupsPastTheMaximumAreDeleted() throws IOException {
        Path out = dir.resolve("out");
        RotatingFile f = new RotatingFile(out.resolve("events.ndjson"), 400, 2);
        append(f, batch(1, 300));
        Files.delete(f.file());
        Files.delete(out);
        append(f, batch(2, 300));
        assertEquals(List.of(2), batches(f.file()));
        // left by an earlier run that kept more backups
        Files.write(f.backup(3), batch(0, 100));
        Files.write(f.backup(4), batch(0, 100));
        append(f, batch(3, 300));
        assertEquals(List.of(2), batches(f.backup(1)));
        assertFalse(Files.exists(f.backup(3)));
        assertFalse(Files.exists(f.backup(4)));
    }

    @Test
    void badOptionsFailWhenTheEndpointIsMadeNamingIt() throws Exception {
        try (DefaultCamelContext ctx = new DefaultCamelContext()) {
            ctx.addComponent(FileSinkComponent.SCHEME, new FileSinkComponent());
            ResolveEndpointFailedException e = assertThrows(ResolveEndpointFailedException.class,
                    () -> ctx.getEndpoint("tetragon-file:" + dir + "?fileName=e.ndjson&maxBackups=-1"));
            assertTrue(e.getMessage().contains("tetragon-file:" + dir + ": maxFileSizeMb (100) and maxBackups (-1)"),
                    e.getMessage());
            e = assertThrows(ResolveEndpointFailedException.class,
                    () -> ctx.getEndpoint("tetragon-file:" + dir + "?fileName=a/b.ndjson"));
            assertTrue(e.getMessage().contains("needs fileName=<name>, a name without '/', was a/b.ndjson"),
                    e.getMessage());
            FileSinkEndpoint ok = (FileSinkEndpoint) ctx.getEndpoint(
                    "tetragon-file:" + dir + "?fileName=e.ndjson&maxFileSizeMb=2&maxBackups=1");
            append(ok.file(), batch(1, 100));
            assertEquals(List.of(1), batches(dir.resolve("e.ndjson")));
        }
    }
}
