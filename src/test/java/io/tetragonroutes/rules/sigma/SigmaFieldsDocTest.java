package io.tetragonroutes.rules.sigma;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Sigma field map is one table: {@link SigmaFields} in code, printed in routes/README.md > Sigma rules. */
class SigmaFieldsDocTest {

    static String table() {
        StringJoiner rows = new StringJoiner("\n");
        for (SigmaFields.Field f : SigmaFields.FIELDS.values()) {
            Set<String> c = f.categories();
            String where = c.size() == SigmaFields.CATEGORIES.size() ? "all"
                    : String.join(", ", c.stream().sorted().map(x -> "`" + x + "`").toList());
            rows.add("| `" + f.name() + "` | " + where + " | " + f.tetragon() + " |");
        }
        return rows.toString();
    }

    @Test
    void theReadmeTableIsTheCodesTable() throws Exception {
        String readme = Files.readString(Path.of("routes/README.md"));
        int from = readme.indexOf("<!-- sigma-fields -->");
        int to = readme.indexOf("<!-- /sigma-fields -->");
        List<String> lines = readme.substring(from, to).lines().toList();
        String documented = String.join("\n", lines.subList(3, lines.size()));
        assertEquals(table(), documented);
    }
}
