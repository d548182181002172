package io.tetragonroutes.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration table ({@code src/main/resources/README.md}) and {@code application.properties} cannot drift: every
 * {@code tetragon.*} key of the properties (set, or commented out as "unset") has exactly one row, with its default
 * and its environment variable, and every row names a key the properties have.
 */
class ConfigurationDocTest {

    private static final Pattern PROPERTY = Pattern.compile("^(#)?((?:tetragon|camel)\\.[A-Za-z0-9.\\-]+)=(.*)$");
    private static final Pattern ROW = Pattern.compile("^\\| `((?:tetragon|camel)\\.[^`]+)` \\| ([^|]*) \\| `([A-Z0-9_]+)` \\|");
    private static final Pattern FIRST_CODE = Pattern.compile("`([^`]*)`");

    /** The key's value, or empty when the properties only mention it in a comment (unset). */
    static Map<String, Optional<String>> properties() throws IOException {
        Map<String, Optional<String>> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("src/main/resources/application.properties"))) {
            Matcher m = PROPERTY.matcher(line.trim());
            if (m.matches()) {
                keys.put(m.group(2), m.group(1) == null ? Optional.of(m.group(3).trim()) : Optional.empty());
            }
        }
        return keys;
    }

    @Test
    void everyKeyHasOneRowWithItsDefaultAndEnvironmentVariable() throws IOException {
        Map<String, Optional<String>> props = properties();
        Map<String, String[]> rows = new LinkedHashMap<>();
        List<String> doc = Files.readAllLines(Path.of("src/main/resources/README.md"));
        for (String line : doc) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                String[] previous = rows.put(m.group(1), new String[]{m.group(2).trim(), m.group(3)});
                assertEquals(null, previous, "two rows for " + m.group(1));
            }
        }
        for (String key : props.keySet()) {
            if (key.startsWith("tetragon.")) {
                assertTrue(rows.containsKey(key), "application.properties has " + key
                        + " but src/main/resources/README.md has no row for it");
            }
        }
        for (Map.Entry<String, String[]> row : rows.entrySet()) {
            String key = row.getKey();
            assertTrue(props.containsKey(key), "src/main/resources/README.md documents " + key
                    + ", which application.properties does not have");
            assertEquals(key.toUpperCase().replace('.', '_').replace('-', '_'), row.getValue()[1],
                    "environment variable of " + key);
            String documented = row.getValue()[0];
            Optional<String> value = props.get(key);
            if (value.isEmpty() || value.get().isEmpty() || value.get().startsWith("${NODE_NAME")) {
                if (value.isEmpty()) {
                    assertTrue(documented.startsWith("unset"), key + " is unset by default, the table says " + documented);
                }
                continue;
            }
            Matcher code = FIRST_CODE.matcher(documented);
            if (code.find()) {
                assertEquals(value.get(), code.group(1), "default of " + key);
            } else {
                // a default too long for the table (a CIDR list) is described in words
                assertTrue(value.get().length() > 40, key + ": the table describes its default in words ("
                        + documented + ") although it is short: " + value.get());
            }
        }
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(\\??)(tetragon\\.[A-Za-z0-9.\\-]+)(?::([^}]*))?}}");

    /**
     * The routes carry the defaults of application.properties in their placeholders ({@code {{key:default}}}), so
     * they run the same on a Camel runtime that does not read our application.properties (Camel K, JBang, Main).
     */
    @Test
    void theRoutesPlaceholdersCarryTheDefaultsOfApplicationProperties() throws IOException {
        Map<String, Optional<String>> props = properties();
        int checked = 0;
        try (var files = Files.list(Path.of("routes"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                Matcher m = PLACEHOLDER.matcher(Files.readString(f));
                while (m.find()) {
                    String key = m.group(2);
                    assertTrue(props.containsKey(key), f + ": " + key + " is not in application.properties");
                    Optional<String> value = props.get(key);
                    if (!m.group(1).isEmpty()) {
                        assertTrue(value.isEmpty(), f + ": {{?" + key + "}} is optional but has a default");
                    } else if (value.isEmpty()) {
                        assertEquals("off", m.group(3), f + ": " + key + " is unset by default: {{" + key + ":off}}");
                    } else {
                        assertEquals(value.get(), m.group(3), f + ": the default of {{" + key + "}}");
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 40, "placeholders checked: " + checked);
    }

    /** The kit's defaults in code serve runtimes without our application.properties: they must say the same. */
    @Test
    void theKitsDefaultsInCodeAreApplicationProperties() throws IOException {
        Map<String, Optional<String>> props = properties();
        Map<String, String> defaults = io.tetragonroutes.camel.TetragonKit.defaults();
        assertTrue(defaults.size() > 10, defaults.toString());
        for (Map.Entry<String, String> d : defaults.entrySet()) {
            assertEquals(Optional.of(d.getValue()), props.get(d.getKey()), "the kit's default of " + d.getKey());
        }
    }
}
