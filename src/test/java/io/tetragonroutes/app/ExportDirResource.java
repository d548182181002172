package io.tetragonroutes.app;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A fresh export directory and data directory under target/ for one Quarkus test run. */
public class ExportDirResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "quarkus-pipeline");
            return Map.of(
                    "tetragon.export.path", dir.resolve("export/tetragon.log").toString(),
                    "tetragon.data.dir", dir.resolve("data").toString(),
                    "tetragon.shutdown.timeout-seconds", "17");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
    }
}
