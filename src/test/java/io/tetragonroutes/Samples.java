package io.tetragonroutes;

import io.tetragonroutes.tail.LineBatch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The public Tetragon samples, read at run time from ../shared (they are never copied into this repo). */
public final class Samples {

    private Samples() {
    }

    public static Path dir() {
        Path p = Path.of(System.getProperty("tetragon.samples", "../shared/tetragon-samples")).toAbsolutePath()
                .normalize();
        if (!Files.isDirectory(p.resolve("events"))) {
            throw new IllegalStateException("Tetragon samples not found at " + p
                    + ": clone the repo with ../shared beside it or set -Dtetragon.samples=DIR");
        }
        return p;
    }

    /** Every export line file: events/**.jsonl and Elastic's pipeline test inputs (*.log). */
    public static List<Path> lineFiles() {
        try (Stream<Path> s = Files.walk(dir())) {
            return s.filter(p -> p.toString().endsWith(".jsonl") || p.toString().endsWith("-log.log")).sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The lines of each file under the samples directory, one file after the other. */
    public static List<String> lines(String... relative) {
        return java.util.Arrays.stream(relative).flatMap(r -> lines(dir().resolve(r)).stream()).toList();
    }

    /** Lines as the tail hands them over: one batch from {@code file}, offsets as in a file of one line each. */
    public static LineBatch batch(String file, List<String> lines) {
        LineBatch.Builder b = LineBatch.builder();
        long off = 0;
        for (String l : lines) {
            byte[] bytes = l.getBytes(StandardCharsets.UTF_8);
            b.add(bytes, 0, bytes.length, file, off);
            off += bytes.length + 1;
        }
        return b.build();
    }
}
