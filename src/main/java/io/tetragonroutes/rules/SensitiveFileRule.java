package io.tetragonroutes.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.TetragonEvent;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The first rule, until the rules engine lands: a kprobe/tracepoint/lsm/uprobe event whose arguments name one of the
 * sensitive files is an alert. It gets {@code rule.*} fields and goes to the {@code alerts} output too.
 */
public final class SensitiveFileRule implements Processor {

    public static final String ID = "sensitive-file-access";

    private final Set<String> paths;
    private final Counter alerts;

    public SensitiveFileRule(Set<String> paths, MeterRegistry registry) {
        this.paths = Set.copyOf(paths);
        this.alerts = registry.counter("tetragon.alerts", "rule", ID);
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        apply(exchange.getMessage().getMandatoryBody(EventBatch.class));
    }

    public void apply(EventBatch batch) {
        for (TetragonEvent e : batch.getEvents()) {
            if (!e.type().hasArgs()) {
                continue;
            }
            String path = sensitivePath(e.body().get("args"));
            if (path != null) {
                flag(e, path);
            }
        }
    }

    /** The first argument naming a sensitive file: file_arg/path_arg/linux_binprm_arg path, or a string_arg. */
    private String sensitivePath(JsonNode args) {
        if (args == null || !args.isArray()) {
            return null;
        }
        for (JsonNode arg : args) {
            Iterator<Map.Entry<String, JsonNode>> it = arg.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                JsonNode v = f.getValue();
                String candidate = switch (f.getKey()) {
                    case "file_arg", "path_arg", "linux_binprm_arg" -> v.path("path").asText(null);
                    case "string_arg" -> v.asText(null);
                    default -> null;
                };
                if (candidate != null && paths.contains(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private void flag(TetragonEvent e, String path) {
        alerts.increment();
        ObjectNode rule = e.extras().putObject("rule");
        rule.putArray("ids").add(ID);
        rule.put("severity", "high");
        // ATT&CK: /etc/passwd and /etc/shadow = OS Credential Dumping; other secrets = Credentials In Files.
        rule.putArray("tags").add(path.equals("/etc/shadow") || path.equals("/etc/passwd") ? "T1003.008" : "T1552.001");
        rule.put("file", path);
        String where = e.podNamespace() != null ? e.podNamespace() + "/" + e.podName() : "host";
        rule.put("message", "sensitive file " + path + " accessed via " + orDash(e.functionName()) + " by "
                + orDash(e.binary()) + " (pid " + e.process().path("pid").asText("-") + ") in " + where + " on "
                + orDash(e.nodeName()));
        e.routeTo("alerts");
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }
}
