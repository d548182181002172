package io.tetragonroutes.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Renders our kustomizations: the subset of kustomize they use ({@code resources} files and directories,
 * {@code configMapGenerator} with {@code files}/{@code literals} and {@code create}/{@code merge} behaviour,
 * {@code generatorOptions} with hash suffixes off and labels), and refuses anything else, so the tests run where
 * only an old kubectl (or none) is installed. Where a kubectl with kustomize v4+ is on the PATH, {@link #kubectl}
 * renders the same directory for comparison.
 */
final class Kustomize {

    static final YAMLMapper YAML = new YAMLMapper();
    private static final List<String> KNOWN = List.of("apiVersion", "kind", "resources", "configMapGenerator",
            "generatorOptions");

    private Kustomize() {
    }

    static List<ObjectNode> render(Path dir) throws IOException {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        render(dir, out);
        return new ArrayList<>(out.values());
    }

    static String id(JsonNode r) {
        return r.path("kind").asText() + "/" + r.path("metadata").path("namespace").asText("") + "/"
                + r.path("metadata").path("name").asText();
    }

    private static void render(Path dir, Map<String, ObjectNode> out) throws IOException {
        JsonNode k = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        k.fieldNames().forEachRemaining(f -> {
            if (!KNOWN.contains(f)) {
                throw new IllegalStateException(dir + "/kustomization.yaml: '" + f + "' is not supported here");
            }
        });
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            if (Files.isDirectory(p)) {
                render(p, out);
            } else {
                for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(p.toFile()).readAll()) {
                    put(out, (ObjectNode) doc, false);
                }
            }
        }
        JsonNode options = k.path("generatorOptions");
        for (JsonNode g : k.path("configMapGenerator")) {
            ObjectNode cm = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
            ObjectNode meta = cm.putObject("metadata");
            meta.put("name", g.path("name").asText());
            if (g.has("namespace")) {
                meta.put("namespace", g.path("namespace").asText());
            }
            if (options.has("labels")) {
                meta.set("labels", options.get("labels").deepCopy());
            }
            ObjectNode data = cm.putObject("data");
            for (JsonNode l : g.path("literals")) {
                String s = l.asText();
                data.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
            }
            for (JsonNode f : g.path("files")) {
                String s = f.asText();
                int eq = s.indexOf('=');
                Path file = dir.resolve(eq < 0 ? s : s.substring(eq + 1)).normalize();
                data.put(eq < 0 ? file.getFileName().toString() : s.substring(0, eq), Files.readString(file));
            }
            String behavior = g.path("behavior").asText("create");
            if (behavior.equals("merge")) {
                ObjectNode existing = out.get(id(cm));
                if (existing == null) {
                    throw new IllegalStateException(dir + ": merge into unknown ConfigMap " + id(cm));
                }
                ((ObjectNode) existing.path("data")).setAll(data);
            } else if (behavior.equals("create")) {
                if (!options.path("disableNameSuffixHash").asBoolean(false)) {
                    throw new IllegalStateException(dir + ": name hash suffixes are not supported here");
                }
                put(out, cm, false);
            } else {
                throw new IllegalStateException(dir + ": behavior " + behavior + " is not supported here");
            }
        }
    }

    private static void put(Map<String, ObjectNode> out, ObjectNode r, boolean replace) {
        if (out.putIfAbsent(id(r), r) != null && !replace) {
            throw new IllegalStateException("duplicate resource " + id(r));
        }
    }

    /** The same directory rendered by kubectl's kustomize (v4+), or null when no such kubectl is installed. */
    static List<ObjectNode> kubectl(Path dir) throws IOException, InterruptedException {
        Process v;
        try {
            v = new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true).start();
        } catch (IOException e) {
            return null;
        }
        String version = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!v.waitFor(60, TimeUnit.SECONDS) || v.exitValue() != 0 || !version.matches("(?s).*Kustomize Version: v[4-9].*")) {
            return null;
        }
        Process p = new ProcessBuilder("kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone",
                dir.toString()).start();
        String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("kubectl kustomize " + dir + " failed: " + err);
        }
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml).readAll()) {
            out.add((ObjectNode) doc);
        }
        return out;
    }
}
