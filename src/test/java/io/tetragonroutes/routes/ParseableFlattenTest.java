package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.Samples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tetragon.sink.parseable.flatten=true: one Tetragon event is one Parseable row, every scalar under the column name
 * Parseable's own flattening gives it, arrays as one column of JSON text.
 */
@Timeout(120)
class ParseableFlattenTest extends ParseableTestSupport {

    @Override
    protected void properties(Properties p) {
        super.properties(p);
        p.put("tetragon.sink.parseable.flatten", "true");
    }

    @Test
    void oneRowPerEventWithParseablesColumnNamesAndArraysAsJsonText() throws Exception {
        List<String> lines = Samples.lines("events/process_kprobe.jsonl", "events/process_exec.jsonl");
        Files.createDirectories(export.getParent());
        Files.write(export, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(60)).until(() -> parseable.rows("tetragon").size() >= lines.size());
        List<ObjectNode> rows = parseable.rows("tetragon");
        assertEquals(lines.size(), rows.size(), "one row per event, also for kprobes with several args");
        Map<String, ObjectNode> byKey = new HashMap<>();
        rows.forEach(r -> byKey.put(rowKey(r), r));
        int arrays = 0;
        for (String l : lines) {
            JsonNode event = mapper.readTree(l);
            ObjectNode row = byKey.get(key(event));
            assertTrue(row != null, "no row for " + key(event));
            arrays += check(row, "", event);
        }
        assertTrue(arrays > 20, "the samples have arrays (kprobe args): " + arrays);
    }

    /** Every scalar of the event is in the row under its flattened name; every array is its JSON text. */
    private int check(ObjectNode row, String prefix, JsonNode node) throws IOException {
        int arrays = 0;
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = prefix.isEmpty() ? f.getKey() : prefix + "_" + f.getKey();
            JsonNode v = f.getValue();
            if (v.isObject()) {
                arrays += check(row, name, v);
            } else if (v.isArray()) {
                assertEquals(v, mapper.readTree(row.path(name).asText()), name);
                arrays++;
            } else {
                assertEquals(v, row.get(name), name);
            }
        }
        return arrays;
    }
}
