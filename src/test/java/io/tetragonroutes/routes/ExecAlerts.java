package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.demo.DemoExport;
import io.tetragonroutes.demo.LumberjackWriter;
import io.tetragonroutes.sink.webhook.WebhookReceiver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A generated export in which every process_exec is an alert (rule {@code every-exec}, no throttle), so each exec id
 * written must reach the webhook: what was written (lines, exec ids, and where each exec line ends in its file) and
 * what the webhook accepted.
 */
final class ExecAlerts {

    private final ObjectMapper mapper = new ObjectMapper();
    private final DemoExport gen;
    final List<String> lines = new ArrayList<>();
    /** exec id -> byte offset just past its line, in the file it was written to (no rotation in between). */
    final Map<String, Long> execEnds = new LinkedHashMap<>();
    private long offset;

    ExecAlerts(long seed, String node) {
        gen = new DemoExport(seed, node);
    }

    /** Writes the one rule: every process_exec is an alert. */
    static Path rules(Path dir) {
        try {
            Path d = Files.createDirectories(dir.resolve("rules"));
            Files.writeString(d.resolve("every-exec.yaml"), """
                    rules:
                      - id: every-exec
                        severity: high
                        match: {type: process_exec}
                        throttle: 0s
                        actions: [alert]
                    """);
            return d;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code n} events and returns the exec ids among them. */
    Set<String> write(LumberjackWriter w, int n) throws IOException {
        Set<String> execIds = new HashSet<>();
        for (int i = 0; i < n; i++) {
            byte[] line = gen.next();
            w.writeLine(line);
            offset += line.length + 1;
            lines.add(new String(line, StandardCharsets.UTF_8));
            JsonNode e = mapper.readTree(line);
            if (e.has("process_exec")) {
                String id = e.at("/process_exec/process/exec_id").asText();
                execIds.add(id);
                execEnds.put(id, offset);
            }
        }
        return execIds;
    }

    /** Marks a rotation: offsets start again in the new file. */
    void rotate(LumberjackWriter w) throws IOException {
        w.rotate();
        offset = 0;
    }

    /** The exec ids whose lines end at or before {@code checkpoint} (in the one file written). */
    Set<String> execsBefore(long checkpoint) {
        Set<String> out = new HashSet<>();
        execEnds.forEach((id, end) -> {
            if (end <= checkpoint) {
                out.add(id);
            }
        });
        return out;
    }

    /** The exec ids of the alerts the webhook accepted (answered 200). */
    Set<String> delivered(WebhookReceiver receiver) throws IOException {
        Set<String> ids = new HashSet<>();
        for (WebhookReceiver.Request r : receiver.requests()) {
            if (r.status() == 200) {
                JsonNode body = mapper.readTree(r.body());
                if (body.has("event")) {
                    ids.add(body.at("/event/process_exec/process/exec_id").asText());
                }
            }
        }
        return ids;
    }
}
