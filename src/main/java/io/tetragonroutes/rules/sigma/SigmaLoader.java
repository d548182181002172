package io.tetragonroutes.rules.sigma;

import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.rules.Condition;
import io.tetragonroutes.rules.Rule;
import io.tetragonroutes.rules.RuleFiles;
import io.tetragonroutes.rules.RuleLoader;
import io.tetragonroutes.rules.RuleSet;
import io.tetragonroutes.rules.RulesException;
import io.tetragonroutes.rules.Severity;
import io.tetragonroutes.rules.TextSource;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Sigma rules (SigmaHQ's format, specification v2.1) into {@link Rule}s that run in the same index as the
 * kit's own. A rule that cannot run on Tetragon data (another log source, a field Tetragon has no source for, an
 * encoding modifier, a correlation) is skipped with a short reason and a sentence; a rule that is broken (bad
 * YAML, no title, an unknown identifier in its condition, a bad regex or CIDR, an unknown modifier) fails the load
 * with {@code file:line}, its title and id.
 *
 * <p>A loaded rule's id is the Sigma {@code id}, its message the {@code title}, its severity the {@code level}
 * ({@code informational} is {@code info}), its tags ATT&CK techniques ({@code T1059.004}) and tactics
 * ({@code stealth}); it alerts when its level is at least the alert level, and its matches carry its
 * {@code author} (the Detection Rule License asks for it).
 */
public final class SigmaLoader {

    /** One {@code Field|modifiers: values} of a selection; {@code field} null for a keyword. */
    public record Item(String field, List<String> modifiers, List<Object> values) {
    }

    /**
     * A loaded rule as written (for tools and tests) and as compiled.
     *
     * @param detection  search identifier -> alternatives (OR) -> items (AND)
     * @param identifiers search identifier -> its compiled condition
     */
    public record SigmaRule(String source, String title, String id, String author, String level, String category,
                            List<String> tags, Map<String, List<List<Item>>> detection, List<String> conditions,
                            Map<String, Condition> identifiers, Rule rule) {
    }

    public record Result(List<SigmaRule> loaded, List<RuleSet.Skipped> skipped) {
        public List<Rule> rules() {
            return loaded.stream().map(SigmaRule::rule).toList();
        }
    }

    /** The ATT&CK tactics as Sigma tags them, with the names ATT&CK v19 added (stealth, defense-impairment). */
    public static final Set<String> TACTICS = Set.of("reconnaissance", "resource-development", "initial-access",
            "execution", "persistence", "privilege-escalation", "defense-evasion", "stealth", "defense-impairment",
            "credential-access", "discovery", "lateral-movement", "collection", "command-and-control", "exfiltration",
            "impact");
    private static final Pattern TECHNIQUE = Pattern.compile("attack\\.t(\\d{4})(\\.\\d{3})?");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final TextSource KEYWORDS = new RawLine();

    private final Severity alertLevel;
    private final Set<String> skipStatuses;
    private final Duration throttle;

    /**
     * @param alertLevel   rules of this level and above alert; below, they tag
     * @param skipStatuses statuses whose rules are skipped ({@code deprecated}, {@code unsupported})
     * @param throttle     the alert window of each rule (as {@code tetragon.rules.alert-window})
     */
    public SigmaLoader(Severity alertLevel, Set<String> skipStatuses, Duration throttle) {
        this.alertLevel = alertLevel;
        this.skipStatuses = Set.copyOf(skipStatuses);
        this.throttle = throttle;
    }

    /** Why a rule is not loaded: {@code reason} short (a metric label), {@code detail} in words. */
    private static final class Skip extends RuntimeException {
        final String reason;

        Skip(String reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    /** {@link #load} for {@link RuleFiles}. */
    public RuleFiles.Foreign foreign(Path location) {
        Result r = load(location);
        return new RuleFiles.Foreign(r.rules(), r.skipped());
    }

    /** Loads every Sigma file at {@code location}; ids must be unique. */
    public Result load(Path location) {
        if (!Files.exists(location)) {
            throw new RulesException(location + ": Sigma path does not exist (tetragon.rules.sigma-path)");
        }
        List<Path> files;
        try {
            files = RuleFiles.sigmaFiles(location);
        } catch (IOException e) {
            throw new RulesException(location + ": cannot list Sigma rules: " + e.getMessage(), e);
        }
        List<SigmaRule> loaded = new ArrayList<>();
        List<RuleSet.Skipped> skipped = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        for (Path f : files) {
            Result r = parse(f.toString(), RuleLoader.read(f));
            for (SigmaRule s : r.loaded()) {
                String before = seen.putIfAbsent(s.id(), s.source());
                if (before != null) {
                    throw new RulesException(s.source() + ": Sigma rule '" + s.title() + "' (" + s.id()
                            + "): id already used at " + before);
                }
                loaded.add(s);
            }
            skipped.addAll(r.skipped());
        }
        return new Result(List.copyOf(loaded), List.copyOf(skipped));
    }

    /** Parses one file's text, every YAML document in it a rule ({@code name} is used in messages). */
    public Result parse(String name, String text) {
        List<Node> docs = new ArrayList<>();
        try {
            new Compose(LoadSettings.builder().setLabel(name).build()).composeAllFromString(text).forEach(docs::add);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            throw new RulesException(name + ":" + line + ": not valid YAML: " + e.getProblem());
        } catch (RuntimeException e) {
            throw new RulesException(name + ": not valid YAML: " + e.getMessage(), e);
        }
        List<SigmaRule> loaded = new ArrayList<>();
        List<RuleSet.Skipped> skipped = new ArrayList<>();
        int index = 0;
        for (Node doc : docs) {
            index++;
            if (doc == null) {
                continue;
            }
            if (!(doc instanceof MappingNode m)) {
                throw new RulesException(RuleLoader.at(name, doc) + ": a Sigma rule is a mapping (title, logsource, "
                        + "detection, ...)");
            }
            Map<String, Node> top = RuleLoader.map(name, null, m);
            String title = top.containsKey("title") ? text(name, top.get("title")) : null;
            String id = top.containsKey("id") ? text(name, top.get("id")) : null;
            String source = RuleLoader.at(name, doc);
            try {
                loaded.add(rule(name, index, docs.size(), doc, top, title, id));
            } catch (Skip s) {
                skipped.add(new RuleSet.Skipped(source, title, id, s.reason, s.getMessage()));
            }
        }
        return new Result(List.copyOf(loaded), List.copyOf(skipped));
    }

    private SigmaRule rule(String file, int index, int docs, Node doc, Map<String, Node> top, String title, String id) {
        if (top.containsKey("correlation")) {
            throw new Skip("correlation", "correlation rules are not supported yet");
        }
        if (top.containsKey("filter") && !top.containsKey("detection")) {
            throw new Skip("filter", "Sigma filters (meta rules that amend other rules) are not supported");
        }
        if (top.containsKey("action")) {
            throw new Skip("collection", "rule collections (action: global/reset/repeat) are not supported");
        }
        if (title == null || title.isBlank()) {
            throw new RulesException(RuleLoader.at(file, doc) + ": Sigma rule without a 'title'");
        }
        if (id == null) {
            String stem = Path.of(file).getFileName().toString().replaceAll("\\.ya?ml$", "");
            id = "sigma-" + stem.replaceAll("[^A-Za-z0-9._-]", "-") + (docs > 1 ? "-" + index : "");
        }
        Ctx c = new Ctx(file, title, id);
        if (!ID.matcher(id).matches()) {
            throw c.error(top.get("id"), "id '" + id + "' has characters other than letters, digits, '.', '_', '-'");
        }
        String status = top.containsKey("status") ? text(file, top.get("status")).toLowerCase(Locale.ROOT) : null;
        if (status != null && skipStatuses.contains(status)) {
            throw new Skip("status:" + status, "status " + status + " (tetragon.rules.sigma-skip-status)");
        }
        Node ls = top.get("logsource");
        if (!(ls instanceof MappingNode lm)) {
            throw c.error(ls == null ? doc : ls, "no 'logsource' mapping");
        }
        Map<String, Node> logsource = RuleLoader.map(file, title, lm);
        String product = lower(file, logsource.get("product"));
        String service = lower(file, logsource.get("service"));
        String category = lower(file, logsource.get("category"));
        if (product != null && !product.equals("linux")) {
            throw new Skip("logsource:product=" + product, "product " + product + " is not Tetragon data (Linux)");
        }
        if (service != null) {
            throw new Skip("logsource:service=" + service, "service " + service + " is a log Tetragon does not write");
        }
        if (category == null) {
            throw new Skip("logsource:no-category", "a log source without a category is not Tetragon data");
        }
        SigmaFields.Category cat = SigmaFields.CATEGORIES.get(category);
        if (cat == null) {
            throw new Skip("logsource:category=" + category, "category " + category + " has no Tetragon events; "
                    + "these have: " + String.join(", ", new TreeSet<>(SigmaFields.CATEGORIES.keySet())));
        }
        Node det = top.get("detection");
        if (!(det instanceof MappingNode dm)) {
            throw c.error(det == null ? doc : det, "no 'detection' mapping");
        }
        Map<String, Node> detection = RuleLoader.map(file, title, dm);
        Node condNode = detection.get("condition");
        if (condNode == null) {
            throw c.error(det, "detection without a 'condition'");
        }
        if (detection.containsKey("timeframe")) {
            throw new Skip("aggregation", "detection.timeframe (an aggregation) is not supported");
        }
        List<String> conditions = new ArrayList<>();
        if (condNode instanceof SequenceNode cs) {
            for (Node n : cs.getValue()) {
                conditions.add(text(file, n));
            }
        } else {
            conditions.add(text(file, condNode));
        }
        for (String cond : conditions) {
            if (cond.contains("|")) {
                throw new Skip("aggregation", "an aggregation in the condition ('" + cond.trim() + "'): use a "
                        + "correlation rule");
            }
        }
        Map<String, List<List<Item>>> parsed = new LinkedHashMap<>();
        for (Map.Entry<String, Node> e : detection.entrySet()) {
            if (!e.getKey().equals("condition")) {
                parsed.put(e.getKey(), selection(c, e.getKey(), e.getValue()));
            }
        }
        // every field and modifier is checked before anything compiles: a rule that is skipped is not compiled
        for (List<List<Item>> alternatives : parsed.values()) {
            for (List<Item> items : alternatives) {
                for (Item it : items) {
                    check(category, it);
                }
            }
        }
        Map<String, Condition> identifiers = new LinkedHashMap<>();
        for (Map.Entry<String, List<List<Item>>> e : parsed.entrySet()) {
            identifiers.put(e.getKey(), compile(c, detection.get(e.getKey()), e.getValue()));
        }
        Condition detect;
        List<Condition> each = new ArrayList<>();
        for (String cond : conditions) {
            try {
                each.add(SigmaCondition.compile(cond, identifiers));
            } catch (IllegalArgumentException e) {
                throw c.error(condNode, e.getMessage());
            }
        }
        detect = each.size() == 1 ? each.get(0) : new Condition.Any(each);
        String level = top.containsKey("level") ? text(file, top.get("level")).toLowerCase(Locale.ROOT) : null;
        Severity severity;
        try {
            severity = level == null ? Severity.INFO : level.equals("informational") ? Severity.INFO : Severity.of(level);
        } catch (IllegalArgumentException e) {
            throw c.error(top.get("level"), "level '" + level + "': one of informational, low, medium, high, critical");
        }
        List<String> sigmaTags = new ArrayList<>();
        Node tagNode = top.get("tags");
        if (tagNode instanceof SequenceNode ts) {
            for (Node t : ts.getValue()) {
                sigmaTags.add(text(file, t));
            }
        } else if (tagNode != null) {
            throw c.error(tagNode, "tags is a list");
        }
        String author = top.containsKey("author") ? text(file, top.get("author")).strip() : null;
        Condition match = new Condition.All(List.of(cat.condition(), detect));
        Rule rule = new Rule(id, title, severity, tags(sigmaTags), match, severity.compareTo(alertLevel) >= 0, false, 0,
                List.of(), null, throttle, RuleLoader.at(file, doc), null, new AtomicLong(), author);
        return new SigmaRule(RuleLoader.at(file, doc), title, id, author, level, category, List.copyOf(sigmaTags),
                parsed, List.copyOf(conditions), identifiers, rule);
    }

    /** ATT&CK techniques as {@code T1059.004}, tactics by name ({@code stealth}), other tags as written. */
    public static List<String> tags(List<String> sigma) {
        List<String> out = new ArrayList<>();
        for (String t : sigma) {
            String l = t.toLowerCase(Locale.ROOT);
            Matcher m = TECHNIQUE.matcher(l);
            String tag = m.matches() ? "T" + m.group(1) + (m.group(2) == null ? "" : m.group(2))
                    : l.startsWith("attack.") && TACTICS.contains(l.substring(7)) ? l.substring(7) : t;
            if (!out.contains(tag)) {
                out.add(tag);
            }
        }
        return List.copyOf(out);
    }

    /** A search identifier's value: a map (AND), a list of maps (OR), or a list of keywords (OR). */
    private List<List<Item>> selection(Ctx c, String name, Node n) {
        List<List<Item>> out = new ArrayList<>();
        if (n instanceof MappingNode m) {
            out.add(items(c, m));
        } else if (n instanceof SequenceNode s && !s.getValue().isEmpty()) {
            boolean maps = s.getValue().get(0) instanceof MappingNode;
            List<Object> keywords = new ArrayList<>();
            for (Node item : s.getValue()) {
                if (maps != item instanceof MappingNode) {
                    throw c.error(item, "search identifier '" + name + "' mixes maps and keywords");
                }
                if (maps) {
                    out.add(items(c, (MappingNode) item));
                } else {
                    keywords.add(value(c, item));
                }
            }
            if (!maps) {
                out.add(List.of(new Item(null, List.of("contains"), keywords)));
            }
        } else if (n instanceof ScalarNode) {
            out.add(List.of(new Item(null, List.of("contains"), List.of(value(c, n)))));
        } else {
            throw c.error(n, "search identifier '" + name + "' is empty");
        }
        return out;
    }

    private List<Item> items(Ctx c, MappingNode m) {
        List<Item> items = new ArrayList<>();
        for (NodeTuple t : m.getValue()) {
            String key = text(c.file, t.getKeyNode());
            String[] parts = key.split("\\|", -1);
            List<String> modifiers = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                String mod = parts[i].trim();
                if (!SigmaValues.known(mod)) {
                    throw c.error(t.getKeyNode(), "unknown modifier '" + mod + "' in '" + key + "'");
                }
                modifiers.add(mod);
            }
            String field = parts[0].trim();
            if (field.isEmpty()) { // '|contains': keywords with modifiers
                field = null;
            }
            List<Object> values = new ArrayList<>();
            Node v = t.getValueNode();
            if (v instanceof SequenceNode s) {
                if (s.getValue().isEmpty()) {
                    throw c.error(v, "'" + key + "' has an empty list of values");
                }
                for (Node x : s.getValue()) {
                    values.add(value(c, x));
                }
            } else {
                values.add(value(c, v));
            }
            items.add(new Item(field, List.copyOf(modifiers), Collections.unmodifiableList(values)));
        }
        if (items.isEmpty()) {
            throw c.error(m, "an empty selection");
        }
        return List.copyOf(items);
    }

    /** Skips for fields without a source and modifiers not applied. */
    private static void check(String category, Item it) {
        for (String m : it.modifiers()) {
            if (SigmaValues.NOT_SUPPORTED.contains(m)) {
                throw new Skip("modifier:" + m, "the " + m + " modifier is not applied to Tetragon data");
            }
        }
        if (it.field() == null) {
            return;
        }
        String why = SigmaFields.NO_SOURCE.get(it.field());
        if (why != null) {
            throw new Skip("field:" + it.field(), it.field() + ": " + why);
        }
        SigmaFields.Field f = SigmaFields.FIELDS.get(it.field());
        if (f == null) {
            throw new Skip("field:" + it.field(), it.field() + " has no Tetragon source (the field map is in "
                    + "routes/README.md)");
        }
        if (!f.categories().contains(category)) {
            throw new Skip("field:" + it.field(), it.field() + " has no source in " + category + " events");
        }
    }

    private Condition compile(Ctx c, Node at, List<List<Item>> alternatives) {
        List<Condition> any = new ArrayList<>();
        for (List<Item> items : alternatives) {
            List<Condition> all = new ArrayList<>();
            for (Item it : items) {
                TextSource source = it.field() == null ? KEYWORDS : SigmaFields.FIELDS.get(it.field()).source();
                try {
                    all.add(SigmaValues.compile(source, it.modifiers(), it.values()));
                } catch (IllegalArgumentException e) {
                    throw c.error(at, (it.field() == null ? "keywords" : it.field()) + ": " + e.getMessage());
                }
            }
            any.add(all.size() == 1 ? all.get(0) : new Condition.All(all));
        }
        return any.size() == 1 ? any.get(0) : new Condition.Any(any);
    }

    private record Ctx(String file, String title, String id) {
        RulesException error(Node n, String message) {
            return new RulesException(RuleLoader.at(file, n) + ": Sigma rule '" + title + "' (" + id + "): " + message);
        }
    }

    private static String text(String file, Node n) {
        return RuleLoader.scalar(file, null, n);
    }

    private static String lower(String file, Node n) {
        return n == null ? null : text(file, n).trim().toLowerCase(Locale.ROOT);
    }

    /** A scalar as Long, Double, Boolean, null or String (Sigma values keep their text otherwise). */
    private static Object value(Ctx c, Node n) {
        if (!(n instanceof ScalarNode s)) {
            throw c.error(n, "expected a value here, not a " + (n instanceof MappingNode ? "mapping" : "list"));
        }
        return Tag.NULL.equals(s.getTag()) ? null : RuleLoader.typed(s);
    }

    /** Keywords search the export line as Tetragon wrote it (JSON text), decoded once per event. */
    private static final class RawLine implements TextSource {
        private final int slot = TetragonEvent.derivedSlot();

        @Override
        public String text() {
            return "sigma:keywords";
        }

        @Override
        public boolean anyText(TetragonEvent e, TextTest test) {
            Object kept = e.derived(slot);
            if (kept == null) {
                kept = e.originalText();
                e.derived(slot, kept);
            }
            return test.test((String) kept);
        }
    }
}
