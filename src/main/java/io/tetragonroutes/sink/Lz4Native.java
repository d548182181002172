package io.tetragonroutes.sink;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Kafka's lz4 codec asks lz4-java for its fastest implementation, which is the native one only when the library
 * is already loaded or lz4-java sits on the system class loader; under Quarkus' class loader it silently falls
 * back to pure Java, which made compression a fifth of the Kafka sink's CPU. Loading the bundled native library
 * once at start-up makes the codec use it; if that fails (no writable temp directory, an unsupported platform),
 * the pure-Java codec still works.
 */
@ApplicationScoped
public class Lz4Native {

    private static final Logger LOG = Logger.getLogger(Lz4Native.class);

    @ConfigProperty(name = "tetragon.sink.kafka.compression", defaultValue = "lz4")
    String compression;

    void onStart(@Observes StartupEvent start) {
        if ("lz4".equalsIgnoreCase(compression)) {
            LOG.debugf("lz4 native codec: %s", load() ? "loaded" : "not available, using the pure-Java codec");
        }
    }

    /** True when lz4-java's native library is (now) loaded. */
    static boolean load() {
        try {
            // lz4-java is a runtime dependency of kafka-clients, not on our compile path
            Class<?> nativeLib = Class.forName("net.jpountz.util.Native");
            nativeLib.getMethod("load").invoke(null);
            return (Boolean) nativeLib.getMethod("isLoaded").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.debugf("lz4 native codec not loaded: %s", e);
            return false;
        }
    }
}
