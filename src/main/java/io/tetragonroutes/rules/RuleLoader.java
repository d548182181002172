package io.tetragonroutes.rules;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Predicate;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads rules YAML files into compiled {@link Rule}s. Everything is checked here, once: unknown keys, field
 * paths, operators, regexes, CIDRs, durations, expressions. A problem is a {@link RulesException} whose message
 * starts with {@code file:line} and names the rule.
 *
 * <pre>
 * rules:
 *   - id: shell-in-container
 *     description: A shell started in a container
 *     severity: medium
 *     tags: [T1059.004]
 *     match:
 *       all:
 *         - type: process_exec
 *         - field: process_exec.process.pod.namespace
 *           exists: true
 *         - field: process_exec.process.binary
 *           suffix: [/sh, /bash]
 *     message: "shell {process_exec.process.binary} in {process_exec.process.pod.namespace}"
 *     actions: [alert]
 * </pre>
 */
public final class RuleLoader {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^}]+)}}");
    private static final Set<String> RULE_KEYS = Set.of("id", "description", "severity", "tags", "match", "actions",
            "message", "throttle", "enabled");
    private static final Set<String> ACTIONS = Set.of("alert", "tag", "drop", "sample", "route");
    private static final Set<String> LANGUAGES = Set.of("simple", "jsonpath");

    private final Function<String, Optional<String>> properties;
    private final CamelContext camel;
    private final Duration defaultThrottle;

    /**
     * @param properties resolves {@code {{key}}} placeholders in rule values (configuration)
     * @param camel      for expression conditions; null refuses them
     */
    public RuleLoader(Function<String, Optional<String>> properties, CamelContext camel, Duration defaultThrottle) {
        this.properties = properties;
        this.camel = camel;
        this.defaultThrottle = defaultThrottle;
    }

    /** The YAML files at {@code location}: the file itself, or every *.yaml / *.yml in the directory, by name. */
    public static List<Path> files(Path location) throws IOException {
        if (!Files.isDirectory(location)) {
            return List.of(location);
        }
        try (var s = Files.list(location)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml")) && Files.isRegularFile(p);
            }).sorted().toList();
        }
    }

    /** Loads every file; rule ids must be unique across them. */
    public List<Rule> load(List<Path> files) {
        List<Rule> out = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        for (Path f : files) {
            for (Rule r : parse(f.toString(), read(f))) {
                String before = seen.putIfAbsent(r.id(), r.source());
                if (before != null) {
                    throw new RulesException(r.source() + ": rule '" + r.id() + "': id already used at " + before);
                }
                out.add(r);
            }
        }
        return out;
    }

    /** Parses one file's text ({@code name} is used in messages). */
    public List<Rule> parse(String name, String text) {
        Node root = compose(name, text);
        if (root == null) {
            return List.of();
        }
        Node list = root;
        if (root instanceof MappingNode m) {
            Map<String, Node> top = map(name, null, m);
            for (String k : top.keySet()) {
                if (!k.equals("rules") && !k.equals("tests")) { // tests: RuleTests, run by `check`
                    throw new RulesException(at(name, top.get(k)) + ": unknown key '" + k
                            + "' (a rules file has 'rules:' and optionally 'tests:')");
                }
            }
            list = top.get("rules");
            if (list == null) {
                return List.of();
            }
        }
        if (!(list instanceof SequenceNode seq)) {
            throw new RulesException(at(name, list) + ": 'rules' must be a list of rules");
        }
        List<Rule> out = new ArrayList<>();
        for (Node n : seq.getValue()) {
            Rule r = rule(name, n);
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }

    private Rule rule(String file, Node n) {
        if (!(n instanceof MappingNode m)) {
            throw new RulesException(at(file, n) + ": a rule must be a mapping with id, match, ...");
        }
        Map<String, Node> keys = map(file, null, m);
        Node idNode = keys.get("id");
        String id = idNode == null ? null : scalar(file, null, idNode);
        if (id == null || !ID.matcher(id).matches()) {
            throw new RulesException(at(file, n) + ": rule without a valid 'id' (letters, digits, '.', '_', '-')");
        }
        Ctx c = new Ctx(file, id);
        for (Map.Entry<String, Node> e : keys.entrySet()) {
            if (!RULE_KEYS.contains(e.getKey())) {
                throw c.error(e.getValue(), "unknown key '" + e.getKey() + "'; known: " + String.join(", ",
                        new java.util.TreeSet<>(RULE_KEYS)));
            }
        }
        if (keys.containsKey("enabled") && !bool(c, keys.get("enabled"))) {
            return null;
        }
        if (!keys.containsKey("match")) {
            throw c.error(n, "no 'match'");
        }
        String description = keys.containsKey("description") ? scalar(file, id, keys.get("description")) : id;
        Severity severity;
        try {
            severity = keys.containsKey("severity") ? Severity.of(scalar(file, id, keys.get("severity"))) : Severity.INFO;
        } catch (IllegalArgumentException e) {
            throw c.error(keys.get("severity"), e.getMessage());
        }
        List<String> tags = keys.containsKey("tags") ? strings(c, keys.get("tags")) : List.of();
        Condition match = condition(c, keys.get("match"));

        boolean alert = false;
        boolean drop = false;
        int sample = 0;
        List<String> routes = new ArrayList<>();
        Node actions = keys.get("actions");
        List<Node> items = actions == null ? List.of() : actions instanceof SequenceNode s ? s.getValue() : List.of(actions);
        for (Node a : items) {
            String name;
            Node arg = null;
            if (a instanceof ScalarNode) {
                name = scalar(file, id, a);
            } else if (a instanceof MappingNode am && am.getValue().size() == 1) {
                NodeTuple t = am.getValue().get(0);
                name = scalar(file, id, t.getKeyNode());
                arg = t.getValueNode();
            } else {
                throw c.error(a, "an action is a name (alert, tag, drop) or one key (sample: N, route: [outputs])");
            }
            if (!ACTIONS.contains(name)) {
                throw c.error(a, "unknown action '" + name + "'; known: alert, tag, drop, sample, route");
            }
            switch (name) {
                case "alert" -> alert = true;
                case "drop" -> drop = true;
                case "sample" -> {
                    Object v = arg == null ? null : value(c, arg);
                    if (!(v instanceof Long l) || l < 1 || l > Integer.MAX_VALUE) {
                        throw c.error(a, "sample takes a whole number N >= 1 (keep 1 in N)");
                    }
                    sample = l.intValue();
                }
                case "route" -> {
                    if (arg == null) {
                        throw c.error(a, "route takes one or more output names: route: [network]");
                    }
                    for (String o : strings(c, arg)) {
                        if (!ID.matcher(o).matches()) {
                            throw c.error(arg, "bad output name '" + o + "'");
                        }
                        routes.add(o);
                    }
                }
                default -> { } // tag: the rule fields alone
            }
        }
        MessageTemplate message;
        try {
            message = keys.containsKey("message") ? MessageTemplate.compile(scalar(file, id, keys.get("message"))) : null;
        } catch (IllegalArgumentException e) {
            throw c.error(keys.get("message"), "message: " + e.getMessage());
        }
        Duration throttle = defaultThrottle;
        if (keys.containsKey("throttle")) {
            try {
                throttle = Durations.parse(scalar(file, id, keys.get("throttle")));
            } catch (IllegalArgumentException e) {
                throw c.error(keys.get("throttle"), "throttle: " + e.getMessage());
            }
        }
        return new Rule(id, description, severity, tags, match, alert, drop, sample, routes, message, throttle,
                file + ":" + line(n), null, new AtomicLong(), null);
    }

    /** One condition: all/any/not, type, field + operator, or a Camel expression. */
    private Condition condition(Ctx c, Node n) {
        if (!(n instanceof MappingNode m)) {
            throw c.error(n, "a condition is a mapping: all/any/not, type, field + operator, or simple/jsonpath");
        }
        Map<String, Node> keys = map(c.file, c.rule, m);
        if (keys.size() == 1 && (keys.containsKey("all") || keys.containsKey("any"))) {
            String k = keys.keySet().iterator().next();
            Node list = keys.get(k);
            if (!(list instanceof SequenceNode s) || s.getValue().isEmpty()) {
                throw c.error(list, k + " takes a non-empty list of conditions");
            }
            List<Condition> cs = new ArrayList<>();
            for (Node item : s.getValue()) {
                cs.add(condition(c, item));
            }
            return k.equals("all") ? new Condition.All(List.copyOf(cs)) : new Condition.Any(List.copyOf(cs));
        }
        if (keys.size() == 1 && keys.containsKey("not")) {
            return new Condition.Not(condition(c, keys.get("not")));
        }
        if (keys.size() == 1 && keys.containsKey("type")) {
            Object v = value(c, keys.get("type"));
            return field(c, n, "type", v instanceof List ? "in" : "equals", v, false);
        }
        for (String lang : LANGUAGES) {
            if (keys.size() == 1 && keys.containsKey(lang)) {
                return expression(c, keys.get(lang), lang, scalar(c.file, c.rule, keys.get(lang)));
            }
        }
        if (keys.containsKey("language")) {
            if (keys.size() != 2 || !keys.containsKey("expression")) {
                throw c.error(n, "a language condition has exactly 'language' and 'expression'");
            }
            return expression(c, n, scalar(c.file, c.rule, keys.get("language")),
                    scalar(c.file, c.rule, keys.get("expression")));
        }
        if (!keys.containsKey("field")) {
            throw c.error(n, "a condition needs one of all, any, not, type, field, simple, jsonpath, language; got "
                    + keys.keySet());
        }
        String path = scalar(c.file, c.rule, keys.get("field"));
        boolean ignoreCase = keys.containsKey("ignore_case") && bool(c, keys.get("ignore_case"));
        String op = null;
        for (String k : keys.keySet()) {
            if (k.equals("field") || k.equals("ignore_case")) {
                continue;
            }
            if (op != null) {
                throw c.error(keys.get(k), "one operator per condition (found '" + op + "' and '" + k + "'); "
                        + "combine conditions with all/any");
            }
            op = k;
        }
        if (op == null) {
            throw c.error(n, "field '" + path + "' without an operator; known: " + String.join(", ", Operators.NAMES));
        }
        Object operand = value(c, keys.get(op));
        if (op.equals("cidr")) {
            operand = splitCommas(operand);
        }
        return field(c, keys.get(op), path, op, operand, ignoreCase);
    }

    /** Builds a field condition; also used for Parseable column rules. */
    public static Condition.Field fieldCondition(String path, String op, Object operand, boolean ignoreCase) {
        FieldPath fp = FieldPath.compile(path);
        ValueTest t = Operators.build(op, operand, ignoreCase);
        boolean negate = op.equals("exists") && Boolean.FALSE.equals(operand);
        // equals compares numbers and booleans by value (0 equals "0.0"), in and prefix/suffix compare text
        Condition.KeyKind kind = ignoreCase ? null : switch (op) {
            case "in" -> Condition.KeyKind.EXACT;
            case "equals" -> operands(operand).stream().allMatch(o -> o instanceof String) ? Condition.KeyKind.EXACT : null;
            case "prefix" -> Condition.KeyKind.PREFIX;
            case "suffix" -> Condition.KeyKind.SUFFIX;
            default -> null;
        };
        Condition.Key key = kind == null ? null : new Condition.Key(fp, kind, texts(operand));
        return new Condition.Field(fp, op, t, negate, key);
    }

    private static List<?> operands(Object operand) {
        return operand instanceof List<?> l ? l : List.of(operand);
    }

    private static Set<String> texts(Object operand) {
        Set<String> values = new HashSet<>();
        for (Object o : operands(operand)) {
            values.add(String.valueOf(o));
        }
        return Set.copyOf(values);
    }

    private Condition field(Ctx c, Node at, String path, String op, Object operand, boolean ignoreCase) {
        try {
            return fieldCondition(path, op, operand, ignoreCase);
        } catch (IllegalArgumentException e) {
            throw c.error(at, e.getMessage());
        }
    }

    private Condition expression(Ctx c, Node at, String language, String text) {
        if (camel == null) {
            throw c.error(at, "expression conditions need the Camel context (not available here)");
        }
        try {
            Predicate p = camel.resolveLanguage(language).createPredicate(text);
            p.init(camel);
            return new Condition.Expression(language, text, p, camel, new java.util.concurrent.atomic.AtomicBoolean());
        } catch (RuntimeException e) {
            throw c.error(at, language + " expression '" + text + "': " + e.getMessage());
        }
    }

    private static Object splitCommas(Object operand) {
        List<Object> out = new ArrayList<>();
        for (Object o : operand instanceof List<?> l ? l : List.of(operand)) {
            for (String s : String.valueOf(o).split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    // ---- YAML helpers ----

    private record Ctx(String file, String rule) {
        RulesException error(Node n, String message) {
            return new RulesException(at(file, n) + ": rule '" + rule + "': " + message);
        }
    }

    /** A rules file's text (also read by {@link RuleTests}). */
    public static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RulesException(f + ": cannot read rules file: " + e.getMessage(), e);
        }
    }

    /** A rules file's YAML nodes, with their lines; null for an empty file. */
    static Node compose(String name, String text) {
        try {
            LoadSettings settings = LoadSettings.builder().setLabel(name).build();
            return new Compose(settings).composeString(text).orElse(null);
        } catch (MarkedYamlEngineException e) {
            int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            throw new RulesException(name + ":" + line + ": not valid YAML: " + e.getProblem());
        } catch (RuntimeException e) {
            throw new RulesException(name + ": not valid YAML: " + e.getMessage(), e);
        }
    }

    public static String at(String file, Node n) {
        return file + ":" + line(n);
    }

    private static int line(Node n) {
        return n == null ? 0 : n.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    public static Map<String, Node> map(String file, String rule, MappingNode m) {
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            String k = scalar(file, rule, t.getKeyNode());
            if (out.put(k, t.getValueNode()) != null) {
                throw new RulesException(at(file, t.getKeyNode()) + ": " + (rule == null ? "" : "rule '" + rule + "': ")
                        + "key '" + k + "' given twice");
            }
        }
        return out;
    }

    public static String scalar(String file, String rule, Node n) {
        if (!(n instanceof ScalarNode s)) {
            throw new RulesException(at(file, n) + ": " + (rule == null ? "" : "rule '" + rule + "': ")
                    + "expected a single value here");
        }
        return s.getValue();
    }

    private boolean bool(Ctx c, Node n) {
        Object v = value(c, n);
        if (!(v instanceof Boolean b)) {
            throw c.error(n, "expected true or false, got '" + v + "'");
        }
        return b;
    }

    private List<String> strings(Ctx c, Node n) {
        Object v = value(c, n);
        List<String> out = new ArrayList<>();
        for (Object o : v instanceof List<?> l ? l : List.of(v)) {
            if (o instanceof List) {
                throw c.error(n, "expected a list of values");
            }
            out.add(String.valueOf(o));
        }
        return out;
    }

    /** A scalar as String/Long/Double/Boolean (placeholders resolved), or a List of them. */
    private Object value(Ctx c, Node n) {
        if (n instanceof SequenceNode s) {
            List<Object> out = new ArrayList<>();
            for (Node item : s.getValue()) {
                Object v = value(c, item);
                if (v instanceof List) {
                    throw c.error(item, "nested lists are not values");
                }
                out.add(v);
            }
            return out;
        }
        if (!(n instanceof ScalarNode s)) {
            throw c.error(n, "expected a value or a list of values, not a mapping");
        }
        Object v = typed(s);
        return v instanceof String text ? resolve(c, n, text) : v; // numbers' text has no placeholder
    }

    /** A scalar as YAML typed it: Long, Double, Boolean, else its text (also for a number too big to read). */
    public static Object typed(ScalarNode s) {
        Tag tag = s.getTag();
        String text = s.getValue();
        try {
            if (Tag.INT.equals(tag)) {
                return Long.decode(text.replace("_", ""));
            }
            if (Tag.FLOAT.equals(tag)) {
                return Double.parseDouble(text);
            }
        } catch (NumberFormatException e) {
            return text;
        }
        if (Tag.BOOL.equals(tag)) {
            return Boolean.parseBoolean(text.toLowerCase(java.util.Locale.ROOT));
        }
        return text;
    }

    private String resolve(Ctx c, Node n, String text) {
        if (text.indexOf("{{") < 0) {
            return text;
        }
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String key = m.group(1).trim();
            String v = properties.apply(key).orElseThrow(() -> c.error(n, "property '" + key + "' is not set"));
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
