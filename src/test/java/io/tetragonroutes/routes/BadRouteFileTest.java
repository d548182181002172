package io.tetragonroutes.routes;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A broken route file stops start-up with an error that names the file and the line. */
class BadRouteFileTest {

    @TempDir
    Path tmp;

    @Test
    void aTypoInARouteFileNamesTheFileAndLine() throws Exception {
        Path bad = tmp.resolve("my-sink.camel.yaml");
        Files.writeString(bad, """
                - route:
                    id: broken
                    from:
                      uri: direct:all
                      steps:
                        - too:
                            uri: log:x
                """);
        try (DefaultCamelContext ctx = new DefaultCamelContext()) {
            Exception e = assertThrows(Exception.class, () -> PluginHelper.getRoutesLoader(ctx)
                    .loadRoutes(ResourceHelper.resolveResource(ctx, "file:" + bad)));
            String all = describe(e);
            assertTrue(all.contains("my-sink.camel.yaml"), all);
            assertTrue(all.matches("(?s).*line\\D{0,3}6.*") || all.contains(":6"), all);
        }
    }

    private static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }
}
