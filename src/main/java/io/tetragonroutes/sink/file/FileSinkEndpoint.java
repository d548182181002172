package io.tetragonroutes.sink.file;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

import java.nio.file.Path;

/**
 * A local NDJSON file. Options: {@code fileName} (required), {@code maxFileSizeMb} (rotate before a batch would
 * take the file past this; 0 = never, default 100) and {@code maxBackups} (rotated files kept, default 5).
 */
public class FileSinkEndpoint extends DefaultEndpoint {

    private final String directory;
    private String fileName;
    private long maxFileSizeMb = 100;
    private int maxBackups = 5;
    private RotatingFile file;

    public FileSinkEndpoint(String uri, FileSinkComponent component, String directory) {
        super(uri, component);
        this.directory = directory;
    }

    /** Bad options fail at start-up, naming the endpoint. */
    void validate() {
        String self = FileSinkComponent.SCHEME + ":" + directory;
        if (directory == null || directory.isBlank()) {
            throw new IllegalArgumentException(FileSinkComponent.SCHEME + " needs a directory: tetragon-file:<dir>");
        }
        if (fileName == null || fileName.isBlank() || fileName.contains("/")) {
            throw new IllegalArgumentException(self + " needs fileName=<name>, a name without '/', was " + fileName);
        }
        if (maxFileSizeMb < 0 || maxBackups < 0) {
            throw new IllegalArgumentException(self + ": maxFileSizeMb (" + maxFileSizeMb + ") and maxBackups ("
                    + maxBackups + ") must be 0 or more");
        }
        file = new RotatingFile(Path.of(directory, fileName), maxFileSizeMb << 20, maxBackups);
    }

    RotatingFile file() {
        return file;
    }

    @Override
    public Producer createProducer() {
        return new FileSinkProducer(this, file);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("tetragon-file is a sink only: read files with file:");
    }

    public void setFileName(String fileName) {
        this.fileName = fileName;
    }

    public void setMaxFileSizeMb(long maxFileSizeMb) {
        this.maxFileSizeMb = maxFileSizeMb;
    }

    public void setMaxBackups(int maxBackups) {
        this.maxBackups = maxBackups;
    }
}
