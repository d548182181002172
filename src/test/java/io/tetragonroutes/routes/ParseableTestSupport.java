package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.tetragonroutes.sink.parseable.ParseableServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.util.List;
import java.util.Properties;

/**
 * The shipped routes with the Parseable sink pointed at a {@link ParseableServer} (fresh for each test), and how an
 * event and a row Parseable made of it are matched.
 */
abstract class ParseableTestSupport extends KitRoutesTestSupport {

    protected static ParseableServer parseable;

    @BeforeAll
    static void startParseable() throws IOException {
        parseable = new ParseableServer();
    }

    @AfterAll
    static void stopParseable() {
        parseable.close();
    }

    @BeforeEach
    void resetParseable() {
        parseable.reset();
    }

    /** Subclasses add theirs after calling this. */
    @Override
    protected void properties(Properties p) {
        p.put("tetragon.sink.parseable.url", parseable.url(""));
        p.put("tetragon.sink.parseable.username", "admin");
        p.put("tetragon.sink.parseable.password", "admin");
    }

    /** One key per Tetragon event: its type, time and exec id (unique in what the tests write). */
    static String key(JsonNode event) {
        String type = event.fieldNames().next();
        return type + "|" + event.path("time").asText() + "|" + event.path(type).path("process").path("exec_id").asText();
    }

    /** The same key read from a row Parseable flattened. */
    static String rowKey(JsonNode row) {
        for (String type : List.of("process_exec", "process_exit", "process_kprobe", "process_throttle",
                "rate_limit_info")) {
            if (row.has(type + "_process_exec_id") || row.fieldNames().next().startsWith(type)) {
                return type + "|" + row.path("time").asText() + "|" + row.path(type + "_process_exec_id").asText();
            }
        }
        throw new AssertionError("no event type in row " + row);
    }
}
