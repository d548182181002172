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
 * Where the rules come from: a YAML file or directory ({@code tetragon.rules.path}), optionally a Parseable
 * alerts JSON file ({@code tetragon.rules.parseable-alerts}) and a Sigma file or directory tree
 * ({@code tetragon.rules.sigma-path}). Knows how to tell that they changed (names, sizes,
 * modification times; a Kubernetes ConfigMap update swaps a symlink, which this sees too).
 */
public final class RuleFiles {

    private final Path rules;
    private final Path parseableAlerts;
    private final RuleLoader loader;
    private final Function<Path, List<Rule>> parseableLoader;
    private final Path sigma;
    private final Function<Path, Foreign> sigmaLoader;

    /** Rules of another format read from a path: those loaded and those skipped, with why. */
    public record Foreign(List<Rule> rules, List<RuleSet.Skipped> skipped) {
    }

    /**
     * @param rules           file or directory of rules YAML, or null
     * @param parseableAlerts Parseable v1 alerts JSON, or null
     */
    public RuleFiles(Path rules, Path parseableAlerts, RuleLoader loader, Function<Path, List<Rule>> parseableLoader) {
        this(rules, parseableAlerts, loader, parseableLoader, null, null);
    }

    /**
     * @param sigma       Sigma rules file or directory (read recursively), or null
     * @param sigmaLoader reads {@code sigma} (the {@code rules.sigma} package's loader)
     */
    public RuleFiles(Path rules, Path parseableAlerts, RuleLoader loader, Function<Path, List<Rule>> parseableLoader,
                     Path sigma, Function<Path, Foreign> sigmaLoader) {
        this.rules = rules;
        this.parseableAlerts = parseableAlerts;
        this.loader = loader;
        this.parseableLoader = parseableLoader;
        this.sigma = sigma;
        this.sigmaLoader = sigmaLoader;
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
            addUnique(all, parseableLoader.apply(parseableAlerts), "alert");
        }
        List<RuleSet.Skipped> skipped = List.of();
        if (sigma != null) {
            Foreign f = sigmaLoader.apply(sigma);
            addUnique(all, f.rules(), "Sigma rule");
            skipped = f.skipped();
        }
        return new RuleSet(all, skipped);
    }

    private static void addUnique(List<Rule> all, List<Rule> more, String what) {
        java.util.Map<String, Rule> ids = new java.util.HashMap<>();
        for (Rule r : all) {
            ids.put(r.id(), r);
        }
        for (Rule r : more) {
            Rule existing = ids.putIfAbsent(r.id(), r);
            if (existing != null) {
                throw new RulesException(r.source() + ": " + what + " '" + r.id() + "': id already used by the rule at "
                        + existing.source());
            }
            all.add(r);
        }
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
            if (sigma != null && Files.exists(sigma)) {
                for (Path p : sigmaFiles(sigma)) {
                    stamp(sb, p);
                }
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

    /** The *.yml / *.yaml files below {@code location} (or it), skipping hidden names ({@code .git}, {@code ..data}). */
    public static List<Path> sigmaFiles(Path location) throws IOException {
        if (!Files.isDirectory(location)) {
            return List.of(location);
        }
        try (var s = Files.walk(location, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return (n.endsWith(".yml") || n.endsWith(".yaml")) && Files.isRegularFile(p) && !hidden(location, p);
            }).sorted().toList();
        }
    }

    private static boolean hidden(Path root, Path p) {
        for (Path part : root.relativize(p)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    public String describe() {
        return (rules == null ? "" : rules.toString()) + (parseableAlerts == null ? "" : " + " + parseableAlerts)
                + (sigma == null ? "" : " + Sigma " + sigma);
    }

    /** Whether Sigma rules are read. */
    public boolean hasSigma() {
        return sigma != null;
    }

    /** Where Sigma rules are read from, or null. */
    public Path sigmaPath() {
        return sigma;
    }
}
