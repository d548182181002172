package io.tetragonroutes.sink.kafka;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's lz4 codec asks lz4-java for its fastest implementation, which is the native one only when the library
 * is already loaded or lz4-java sits on the system class loader; under Quarkus' class loader it silently falls
 * back to pure Java, which made compression a fifth of the Kafka sink's CPU. The Kafka sink loads the bundled
 * native library once, before its first record; if that fails (no writable temp directory, an unsupported
 * platform), the pure-Java codec still works.
 */
final class Lz4Native {

    private static final Logger LOG = LoggerFactory.getLogger(Lz4Native.class);
    private static volatile Boolean loaded;

    private Lz4Native() {
    }

    /** True when lz4-java's native library is (now) loaded. */
    static boolean load() {
        Boolean l = loaded;
        if (l == null) {
            synchronized (Lz4Native.class) {
                if ((l = loaded) == null) {
                    loaded = l = tryLoad();
                    LOG.debug("lz4 native codec: {}", l ? "loaded" : "not available, using the pure-Java codec");
                }
            }
        }
        return l;
    }

    private static boolean tryLoad() {
        try {
            // lz4-java is a runtime dependency of kafka-clients, not on our compile path
            Class<?> nativeLib = Class.forName("net.jpountz.util.Native");
            nativeLib.getMethod("load").invoke(null);
            return (Boolean) nativeLib.getMethod("isLoaded").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.debug("lz4 native codec not loaded: {}", e.toString());
            return false;
        }
    }
}
