package io.tetragonroutes.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The image's AppCDS training step ({@code src/main/docker/appcds-train.sh}) run with this JVM's JDK from the
 * project root, where routes/ and kamelets/ are: for the container test and the start-up benchmark.
 */
public final class AppCdsTraining {

    private AppCdsTraining() {
    }

    /** Trains {@code archive} for the app in {@code appDir}, with the app's JVM options; fails with the run's log. */
    public static Path train(Path appDir, Path archive, List<String> jvmOptions)
            throws IOException, InterruptedException {
        return train(Path.of("").toAbsolutePath(), appDir, archive, jvmOptions);
    }

    /** The same, for the app of another checkout (its script, routes and kamelets). */
    public static Path train(Path checkout, Path appDir, Path archive, List<String> jvmOptions)
            throws IOException, InterruptedException {
        Path log = archive.resolveSibling(archive.getFileName() + ".training.log");
        List<String> cmd = new ArrayList<>(List.of("sh", "src/main/docker/appcds-train.sh", appDir.toString(),
                archive.toString()));
        cmd.addAll(jvmOptions);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(checkout.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().keySet().removeIf(k -> k.startsWith("TETRAGON_") || k.startsWith("KUBERNETES_"));
        Process p = pb.start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("the AppCDS training run took over 2 minutes; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("the AppCDS training run failed:\n" + Files.readString(log));
        }
        return archive;
    }
}
