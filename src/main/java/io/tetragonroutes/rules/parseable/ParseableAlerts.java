package io.tetragonroutes.rules.parseable;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.rules.Condition;
import io.tetragonroutes.rules.Durations;
import io.tetragonroutes.rules.MessageTemplate;
import io.tetragonroutes.rules.Rule;
import io.tetragonroutes.rules.RuleHook;
import io.tetragonroutes.rules.RuleLoader;
import io.tetragonroutes.rules.RulesException;
import io.tetragonroutes.rules.Severity;
import io.tetragonroutes.sink.webhook.WebhookClient;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loads a Parseable v1 alerts file ({@code {"version":"v1","alerts":[{name, message, rule, targets}]}}) into rules
 * with Parseable's semantics, on Parseable's flattened column names:
 * <ul>
 *   <li>{@code rule.type: column}: {@code {column, operator, value, ignoreCase, repeats}}; fires after
 *       {@code repeats} matches (default 1), stays firing while events match, resolves on the first that does
 *       not;</li>
 *   <li>{@code rule.type: composite}: a condition text ({@link CompositeParser}); every match fires;</li>
 *   <li>{@code message} with {@code {column}} placeholders; {@code targets} webhook/slack/alertmanager with
 *       {@code headers}, {@code skip_tls_check} and {@code repeat: {interval, times}} ({@link AlertTarget}).</li>
 * </ul>
 * Each alert becomes a rule {@code parseable-<name>} that also routes the firing event to {@code alerts}.
 */
public final class ParseableAlerts {

    private static final Logger LOG = LoggerFactory.getLogger(ParseableAlerts.class);

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> ALERT_KEYS = Set.of("id", "name", "message", "rule", "targets", "severity");
    // Parseable's operator symbols and their serde names, to ours
    private static final Map<String, String> NUMERIC = Map.ofEntries(Map.entry("=", "equals"),
            Map.entry("equalTo", "equals"), Map.entry("!=", "not_equals"), Map.entry("notEqualTo", "not_equals"),
            Map.entry(">", "gt"), Map.entry("greaterThan", "gt"), Map.entry(">=", "gte"),
            Map.entry("greaterThanEquals", "gte"), Map.entry("<", "lt"), Map.entry("lessThan", "lt"),
            Map.entry("<=", "lte"), Map.entry("lessThanEquals", "lte"));
    private static final Map<String, String> STRING = Map.ofEntries(Map.entry("=", "equals"),
            Map.entry("exact", "equals"), Map.entry("!=", "not_equals"), Map.entry("notExact", "not_equals"),
            Map.entry("=%", "contains"), Map.entry("contains", "contains"), Map.entry("!%", "not_contains"),
            Map.entry("notContains", "not_contains"), Map.entry("~", "regex"), Map.entry("regex", "regex"));

    private final String stream;
    private final ScheduledExecutorService scheduler;

    /**
     * @param stream    the stream name Parseable's alert texts mention ("... triggered on &lt;stream&gt;")
     * @param scheduler runs notifications and repeats
     */
    public ParseableAlerts(String stream, ScheduledExecutorService scheduler) {
        this.stream = stream;
        this.scheduler = scheduler;
    }

    public List<Rule> load(Path file) {
        List<Rule> out = new ArrayList<>();
        try (JsonParser p = MAPPER.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new RulesException(file + ":1: a Parseable alerts file is a JSON object {\"version\":\"v1\",\"alerts\":[...]}");
            }
            boolean sawAlerts = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int line = p.currentLocation().getLineNr();
                p.nextToken();
                switch (key) {
                    case "version" -> {
                        if (!"v1".equals(p.getValueAsString())) {
                            throw new RulesException(file + ":" + line + ": unsupported alerts version '"
                                    + p.getValueAsString() + "' (this kit reads v1)");
                        }
                    }
                    case "alerts" -> {
                        sawAlerts = true;
                        if (p.currentToken() != JsonToken.START_ARRAY) {
                            throw new RulesException(file + ":" + line + ": 'alerts' must be a list");
                        }
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            int at = p.currentLocation().getLineNr();
                            JsonNode alert = MAPPER.readTree(p);
                            out.add(alert(file + ":" + at, alert));
                        }
                    }
                    default -> throw new RulesException(file + ":" + line + ": unknown key '" + key + "'");
                }
            }
            if (!sawAlerts) {
                throw new RulesException(file + ": no 'alerts' list");
            }
        } catch (JsonProcessingException e) {
            throw new RulesException(file + ":" + e.getLocation().getLineNr() + ": not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new RulesException(file + ": cannot read Parseable alerts: " + e.getMessage(), e);
        }
        return out;
    }

    /** The keys of Parseable's v1 alert format, as its documentation spells them, by their lower case. */
    private static final Map<String, String> KEYS = new HashMap<>();

    static {
        for (String k : new String[] {"name", "message", "rule", "type", "config", "column", "operator", "value",
                "ignoreCase", "repeats", "targets", "endpoint", "headers", "skip_tls_check", "repeat", "interval",
                "times", "severity", "username", "password"}) {
            KEYS.put(k.toLowerCase(Locale.ROOT), k);
        }
    }

    /**
     * Reads keys case-insensitively (seed material writes {@code "Endpoint"}), with a warning naming the spelling
     * Parseable documents; the names inside {@code headers} are the user's own and stay as written.
     */
    private static JsonNode canonical(String source, JsonNode n) {
        if (n.isArray()) {
            com.fasterxml.jackson.databind.node.ArrayNode a = MAPPER.createArrayNode();
            n.forEach(x -> a.add(canonical(source, x)));
            return a;
        }
        if (!n.isObject()) {
            return n;
        }
        com.fasterxml.jackson.databind.node.ObjectNode o = MAPPER.createObjectNode();
        n.fields().forEachRemaining(f -> {
            String key = KEYS.getOrDefault(f.getKey().toLowerCase(Locale.ROOT), f.getKey());
            if (!key.equals(f.getKey())) {
                LOG.warn("{}: Parseable alert key '{}' read as '{}', the spelling Parseable documents", source,
                        f.getKey(), key);
            }
            o.set(key, key.equals("headers") ? f.getValue() : canonical(source, f.getValue()));
        });
        return o;
    }

    private Rule alert(String source, JsonNode given) {
        JsonNode a = canonical(source, given);
        String name = a.path("name").asText("");
        if (name.isBlank()) {
            throw new RulesException(source + ": alert without a 'name'");
        }
        String where = source + ": alert '" + name + "'";
        for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!ALERT_KEYS.contains(k)) {
                throw new RulesException(where + ": unknown key '" + k + "'");
            }
        }
        JsonNode rule = a.path("rule");
        String type = rule.path("type").asText("");
        JsonNode config = rule.path("config");
        Condition match;
        String reason;
        int repeats;
        try {
            switch (type) {
                case "composite" -> {
                    if (!config.isTextual()) {
                        throw new IllegalArgumentException("composite config must be the rule text");
                    }
                    match = CompositeParser.parse(config.textValue(), (c, op, v) -> comparison(c, op, v, false));
                    reason = "matched rule " + config.textValue();
                    repeats = 0;
                }
                case "column" -> {
                    String column = config.path("column").asText(null);
                    JsonNode value = config.path("value");
                    if (column == null || value.isMissingNode()) {
                        throw new IllegalArgumentException("column rule needs 'column' and 'value'");
                    }
                    Object v = value.isNumber() ? (Object) value.numberValue() : value.asText();
                    String op = config.path("operator").asText(value.isNumber() ? "=" : "=%");
                    match = comparison(column, op, v, config.path("ignoreCase").asBoolean(false));
                    repeats = config.path("repeats").asInt(1);
                    if (repeats < 1) {
                        throw new IllegalArgumentException("repeats must be at least 1");
                    }
                    reason = column + " column " + op + " " + v + ", " + repeats + " times";
                }
                default -> throw new IllegalArgumentException("rule.type must be 'column' or 'composite', not '" + type + "'");
            }
        } catch (IllegalArgumentException e) {
            throw new RulesException(where + ": " + e.getMessage());
        }
        MessageTemplate message;
        try {
            message = MessageTemplate.compile(a.path("message").asText(name));
        } catch (IllegalArgumentException e) {
            throw new RulesException(where + ": message: " + e.getMessage());
        }
        List<AlertTarget> targets = new ArrayList<>();
        for (JsonNode t : a.path("targets")) {
            targets.add(target(where, t));
        }
        Severity severity = Severity.MEDIUM;
        if (a.hasNonNull("severity")) {
            try {
                severity = Severity.valueOf(a.get("severity").asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new RulesException(where + ": unknown severity '" + a.get("severity").asText() + "'");
            }
        }
        String id = "parseable-" + name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^-|-$", "");
        Hook hook = new Hook(name, stream, message, reason, repeats, targets);
        return new Rule(id, name, severity, List.of("parseable-alert"), match, true, false, 0, List.of(), message,
                Duration.ZERO, source, hook, new AtomicLong(), null);
    }

    private static Condition comparison(String column, String op, Object value, boolean ignoreCase) {
        boolean numeric = value instanceof Number;
        String ours = (numeric ? NUMERIC : STRING).get(op);
        if (ours == null) {
            throw new IllegalArgumentException("operator '" + op + "' does not apply to a " + (numeric ? "number" : "string")
                    + (numeric ? " (= != > >= < <=)" : " (= != =% !% ~)"));
        }
        return RuleLoader.fieldCondition(column, ours, value, ignoreCase);
    }

    private AlertTarget target(String where, JsonNode t) {
        String type = t.path("type").asText("");
        AlertTarget.Type kind = switch (type) {
            case "webhook" -> AlertTarget.Type.WEBHOOK;
            case "slack" -> AlertTarget.Type.SLACK;
            case "alertmanager" -> AlertTarget.Type.ALERTMANAGER;
            default -> throw new RulesException(where + ": target type must be webhook, slack or alertmanager, not '"
                    + type + "'");
        };
        String endpoint = t.path("endpoint").asText(null);
        if (endpoint == null) {
            throw new RulesException(where + ": target without 'endpoint'");
        }
        Map<String, String> headers = new HashMap<>();
        t.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        Duration interval = Duration.ofSeconds(200);
        int times = 5;
        JsonNode repeat = t.path("repeat");
        try {
            if (repeat.hasNonNull("interval")) {
                interval = Durations.parse(repeat.get("interval").asText());
            }
            if (repeat.hasNonNull("times")) {
                times = repeat.get("times").asInt();
            }
            WebhookClient client = new WebhookClient(WebhookClient.Config.of(endpoint).withHeaders(headers)
                    .withSkipTlsCheck(t.path("skip_tls_check").asBoolean(false)));
            return new AlertTarget(kind, client, interval, times, scheduler);
        } catch (IllegalArgumentException e) {
            throw new RulesException(where + ": target: " + e.getMessage());
        }
    }

    /** Parseable's alert states for one alert, and the calls to its targets. */
    static final class Hook implements RuleHook {
        private final String name;
        private final String stream;
        private final MessageTemplate message;
        private final String reason;
        private final int repeats; // 0 = composite: every match fires
        private final List<AlertTarget> targets;
        private int repeated;

        Hook(String name, String stream, MessageTemplate message, String reason, int repeats, List<AlertTarget> targets) {
            this.name = name;
            this.stream = stream;
            this.message = message;
            this.reason = reason;
            this.repeats = repeats;
            this.targets = targets;
        }

        @Override
        public synchronized boolean matched(Rule rule, TetragonEvent e) {
            if (repeats > 0) {
                if (repeated >= repeats) {
                    return false; // firing already
                }
                if (++repeated < repeats) {
                    return false;
                }
            }
            AlertTarget.Context ctx = new AlertTarget.Context(name, stream, message.render(e), reason);
            targets.forEach(t -> t.setToFiring(ctx));
            return true;
        }

        @Override
        public synchronized void missed(Rule rule, TetragonEvent e) {
            if (repeats > 0 && repeated >= repeats) {
                repeated = 0;
                AlertTarget.Context ctx = new AlertTarget.Context(name, stream, message.render(e), reason);
                targets.forEach(t -> t.resolved(ctx));
            }
        }

        @Override
        public void close() {
            targets.forEach(AlertTarget::close);
        }
    }
}
