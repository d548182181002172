package io.tetragonroutes.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every YAML example in {@code routes/README.md} ("Add any Camel sink") is loaded by Camel's YAML DSL, and every
 * kamelet it names exists (ours, or the Apache Camel Kamelets catalog of our Camel version) and gets only parameters
 * it declares, and all it requires. Snippets of steps are loaded inside a route of their own.
 */
class DocExamplesTest {

    private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
    private static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void everyRouteExampleLoadsAndUsesItsKameletsAsTheyAreDeclared() throws Exception {
        String doc = Files.readString(Path.of("routes/README.md"));
        Matcher m = YAML_BLOCK.matcher(doc);
        List<String> examples = new ArrayList<>();
        while (m.find()) {
            String block = m.group(1).stripIndent();
            String trimmed = block.strip();
            if (trimmed.startsWith("- route:")) {
                examples.add(block);
            } else if (trimmed.startsWith("- ")) {
                // steps as they go into an output route
                examples.add("- route:\n    from:\n      uri: direct:example" + examples.size() + "\n      steps:\n"
                        + block.stripIndent().indent(8));
            }
        }
        assertTrue(examples.size() >= 7, "examples found: " + examples.size());
        Set<String> kamelets = new TreeSet<>();
        for (String example : examples) {
            try (CamelContext camel = new DefaultCamelContext()) {
                camel.getPropertiesComponent().setIgnoreMissingLocation(true);
                int before = ((ModelCamelContext) camel).getRouteDefinitions().size();
                PluginHelper.getRoutesLoader(camel).loadRoutes(
                        ResourceHelper.fromString("example.camel.yaml", example));
                assertEquals(before + 1, ((ModelCamelContext) camel).getRouteDefinitions().size(), example);
            }
            check(YAML.readTree(example), kamelets);
        }
        assertTrue(kamelets.containsAll(Set.of("aws-s3-sink", "splunk-hec-sink", "slack-sink", "http-sink",
                "log-sink", "tetragon-format-action")), kamelets.toString());
    }

    private static void check(JsonNode node, Set<String> seen) throws Exception {
        if (node.isObject()) {
            JsonNode uri = node.get("uri");
            String target = uri != null ? uri.asText() : node.has("to") && node.get("to").isTextual()
                    ? node.get("to").asText() : null;
            if (target != null && target.startsWith("kamelet:")) {
                String name = target.substring("kamelet:".length()).split("[?/]")[0];
                seen.add(name);
                JsonNode definition = kamelet(name).path("spec").path("definition");
                Set<String> given = new TreeSet<>();
                node.path("parameters").fieldNames().forEachRemaining(given::add);
                for (String p : given) {
                    assertTrue(definition.path("properties").has(p), "kamelet " + name + " has no parameter " + p);
                }
                for (JsonNode r : definition.path("required")) {
                    assertTrue(given.contains(r.asText()) || definition.path("properties").path(r.asText()).has("default"),
                            "kamelet " + name + " requires " + r.asText());
                }
            }
            Iterator<JsonNode> children = node.elements();
            while (children.hasNext()) {
                check(children.next(), seen);
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                check(child, seen);
            }
        }
    }

    /** Ours from kamelets/, else the catalog's from its jar. */
    private static JsonNode kamelet(String name) throws Exception {
        Path ours = Path.of("kamelets", name + ".kamelet.yaml");
        if (Files.exists(ours)) {
            return YAML.readTree(ours.toFile());
        }
        try (InputStream in = DocExamplesTest.class.getClassLoader()
                .getResourceAsStream("kamelets/" + name + ".kamelet.yaml")) {
            assertNotNull(in, "no kamelet " + name + " in kamelets/ or the Kamelets catalog");
            return YAML.readTree(in);
        }
    }
}
