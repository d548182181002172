package io.tetragonroutes.rules;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Where the rules come from: a YAML file or directory ({@code tetragon.rules.path}) and optionally a Parseable
 * alerts JSON file ({@code tetragon.rules.parseable-alerts}). Knows how to tell that they changed (names, sizes,
 * modification times; a Kubernetes ConfigMap update swaps a symlink, which this sees too).
 */
public final class RuleFiles {

    private final Path rules;
    private final Path parseableAlerts;
    private final RuleLoader loader;
    private final Function<Path, List<Rule>> parseableLoader;

    /**
     * @param rules           file or directory of rules YAML, or null
     * @param parseableAlerts Parseable v1 alerts JSON, or null
     */
    public RuleFiles(Path rules, Path parseableAlerts, RuleLoader loader, Function<Path, List<Rule>> parseableLoader) {
        this.rules = rules;
        this.parseableAlerts = parseableAlerts;
        this.loader = loader;
        this.parseableLoader = parseableLoader;
    }

    /** Compiles every rule; throws {@link RulesException} (file:line, rule id, why) on the first problem. */
    public RuleSet load() {
        List<Rule> all = new ArrayList<>();
        if (rules != null) {
            if (!Files.exists(rules)) {
                throw new RulesException(rules + ": rules path does not exist (tetragon.rules.path)");
            }
            try {
                all.addAll(loader.load(RuleLoader.files(rules)));
            } catch (IOException e) {
                throw new RulesException(rules + ": cannot list rules: " + e.getMessage(), e);
            }
        }
        if (parseableAlerts != null) {
            List<Rule> more = parseableLoader.apply(parseableAlerts);
            for (Rule r : more) {
                for (Rule existing : all) {
                    if (existing.id().equals(r.id())) {
                        throw new RulesException(r.source() + ": alert '" + r.id() + "': id already used by the rule at "
                                + existing.source());
                    }
                }
            }
            all.addAll(more);
        }
        return new RuleSet(all);
    }

    /** A value that changes when any rules file is added, removed or edited. */
    public String fingerprint() {
        StringBuilder sb = new StringBuilder();
        try {
            if (rules != null && Files.exists(rules)) {
                for (Path p : RuleLoader.files(rules)) {
                    stamp(sb, p);
                }
            }
            if (parseableAlerts != null && Files.exists(parseableAlerts)) {
                stamp(sb, parseableAlerts);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    private static void stamp(StringBuilder sb, Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class); // follows symlinks
        sb.append(p).append('|').append(a.size()).append('|').append(a.lastModifiedTime().toMillis())
                .append('|').append(a.fileKey()).append('\n');
    }

    public String describe() {
        return (rules == null ? "" : rules.toString()) + (parseableAlerts == null ? "" : " + " + parseableAlerts);
    }
}
