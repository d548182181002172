package io.tetragonroutes.check;

import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Checks the kamelets a YAML document (a routes file, a kamelet) uses: each one exists at the kamelet locations
 * ({@code camel.component.kamelet.location}, first match wins, as Camel resolves them), and is given only parameters it
 * declares and every one it requires. What Camel would only find when the route starts.
 */
public final class KameletCheck {

    private final List<String> locations;
    private final Map<String, Map<String, Object>> cache = new LinkedHashMap<>();
    private final TreeSet<String> used = new TreeSet<>();

    /** @param locations comma-separated {@code file:dir} and {@code classpath:dir} entries */
    public KameletCheck(String locations) {
        this.locations = List.of(locations.split(","));
    }

    /** Every kamelet named so far. */
    public TreeSet<String> used() {
        return used;
    }

    /** The kamelet's resource, parsed, or null when no location has it. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> kamelet(String name) {
        if (cache.containsKey(name)) {
            return cache.get(name);
        }
        Map<String, Object> found = null;
        for (String l : locations) {
            String loc = l.trim();
            String text = null;
            try {
                if (loc.startsWith("file:")) {
                    Path p = Path.of(loc.substring(5), name + ".kamelet.yaml");
                    text = Files.exists(p) ? Files.readString(p) : null;
                } else if (loc.startsWith("classpath:")) {
                    String dir = loc.substring(10);
                    try (InputStream in = KameletCheck.class.getClassLoader()
                            .getResourceAsStream((dir.endsWith("/") ? dir : dir + "/") + name + ".kamelet.yaml")) {
                        text = in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                }
            } catch (IOException e) {
                text = null;
            }
            if (text != null) {
                found = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(text);
                break;
            }
        }
        cache.put(name, found);
        return found;
    }

    /** The problems of the kamelet references in {@code doc} (loaded YAML), each prefixed with {@code source}. */
    public List<String> check(String source, Object doc) {
        List<String> problems = new ArrayList<>();
        walk(source, doc, problems);
        return problems;
    }

    @SuppressWarnings("unchecked")
    private void walk(String source, Object node, List<String> problems) {
        if (node instanceof Map<?, ?> map) {
            Object uri = map.get("uri");
            Object to = map.get("to");
            String target = uri instanceof String s ? s : to instanceof String s ? s : null;
            if (target != null && target.startsWith("kamelet:")) {
                Map<String, Object> params = map.get("parameters") instanceof Map<?, ?> p
                        ? (Map<String, Object>) p : Map.of();
                reference(source, target, params, problems);
            }
            for (Object v : map.values()) {
                walk(source, v, problems);
            }
        } else if (node instanceof Collection<?> c) {
            for (Object v : c) {
                walk(source, v, problems);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void reference(String source, String target, Map<String, Object> params, List<String> problems) {
        String rest = target.substring("kamelet:".length());
        String name = rest.split("[?/]")[0];
        if (name.equals("source") || name.equals("sink")) {
            return; // a kamelet's own ends
        }
        used.add(name);
        Map<String, Object> k = kamelet(name);
        if (k == null) {
            problems.add(source + ": kamelet '" + name + "' not found in " + String.join(",", locations));
            return;
        }
        Map<String, Object> definition = (Map<String, Object>) ((Map<String, Object>) k.getOrDefault("spec", Map.of()))
                .getOrDefault("definition", Map.of());
        Map<String, Object> declared = (Map<String, Object>) definition.getOrDefault("properties", Map.of());
        List<String> given = new ArrayList<>(params.keySet());
        int q = rest.indexOf('?');
        if (q >= 0) {
            for (String kv : rest.substring(q + 1).split("&")) {
                given.add(kv.split("=")[0]);
            }
        }
        for (String p : given) {
            if (!declared.containsKey(p)) {
                problems.add(source + ": kamelet '" + name + "' has no parameter '" + p + "'; it has "
                        + new TreeSet<>(declared.keySet()));
            }
        }
        for (Object r : (List<Object>) definition.getOrDefault("required", List.of())) {
            Object spec = declared.get(String.valueOf(r));
            boolean hasDefault = spec instanceof Map<?, ?> s && s.containsKey("default");
            if (!given.contains(String.valueOf(r)) && !hasDefault) {
                problems.add(source + ": kamelet '" + name + "' requires parameter '" + r + "'");
            }
        }
    }
}
