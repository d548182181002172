package io.tetragonroutes.sink.parseable;

import io.tetragonroutes.sink.http.HttpSinkClient;
import io.tetragonroutes.sink.http.HttpSinkEndpoint;
import org.apache.camel.Producer;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Parseable log stream. Options: {@code url} (the server, {@code http(s)://host:port}; required, pass it as
 * {@code RAW(...)}), {@code username}/{@code password} (Basic auth, from a Secret), {@code flatten} (send events
 * flattened in Parseable's naming, arrays as JSON text: one event, one row), {@code maxBatchBytes} (under
 * Parseable's 10 MiB payload limit), {@code maxBatchEvents}, {@code metadata} ({@code "node=n1; cluster=prod"}:
 * static {@code X-P-<name>} headers that become columns), {@code skipTlsCheck}, {@code caFile}, {@code timeout},
 * {@code maxAttempts} (quick retries per request before the route's redelivery takes over).
 */
public class ParseableEndpoint extends HttpSinkEndpoint {

    private static final Pattern STREAM_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern META_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    // Parseable refuses stream names its SQL engine would read as keywords
    private static final Set<String> SQL_KEYWORDS = Set.of("select", "from", "where", "group", "by", "order",
            "limit", "offset", "join", "inner", "outer", "left", "right", "full", "on", "as", "and", "or", "not",
            "null", "is", "in", "like", "between", "case", "when", "then", "else", "end", "union", "all", "distinct",
            "having", "insert", "update", "delete", "create", "drop", "alter", "table", "into", "values", "set",
            "with", "exists", "true", "false", "cast", "asc", "desc", "show", "explain", "describe");

    private boolean flatten;
    private String metadata;
    private Map<String, String> metadataHeaders;

    public ParseableEndpoint(String uri, ParseableComponent component, String stream) {
        super(uri, component, ParseableComponent.SCHEME, stream, "tetragon.sink.parseable.url", 9L * 1024 * 1024);
    }

    @Override
    protected void validateAlways() {
        checkStreamName(name());
    }

    @Override
    protected void validateEnabled() {
        metadataHeaders = parseMetadata(metadata);
    }

    /** Parseable's rule for stream names, checked before start so a typo fails with a clear message. */
    static void checkStreamName(String name) {
        if (name == null || !STREAM_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Parseable stream name '" + name
                    + "' may only hold letters, digits, '-' and '_'");
        }
        if (SQL_KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("Parseable stream name '" + name + "' is an SQL keyword");
        }
    }

    static Map<String, String> parseMetadata(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String item : text.split(";")) {
            if (item.isBlank()) {
                continue;
            }
            int eq = item.indexOf('=');
            String name = eq < 0 ? "" : item.substring(0, eq).trim();
            String value = eq < 0 ? "" : item.substring(eq + 1).trim();
            if (!META_NAME.matcher(name).matches() || value.length() > 100
                    || value.chars().anyMatch(c -> c < ' ' || c > '~')) {
                throw new IllegalArgumentException("Parseable metadata '" + item.trim()
                        + "' is not name=value (name: letters, digits, '-', '_'; value: printable ASCII, 100 at most)");
            }
            if (name.equalsIgnoreCase("stream") || name.equalsIgnoreCase("log-source")) {
                throw new IllegalArgumentException("Parseable metadata '" + name + "' is reserved");
            }
            out.put("X-P-" + name, value);
        }
        if (out.size() > 10) {
            throw new IllegalArgumentException("Parseable takes at most 10 metadata headers");
        }
        return out;
    }

    @Override
    protected Producer newProducer(HttpSinkClient client) {
        return new ParseableProducer(this, client, name(), flatten, maxBatchBytes(), maxBatchEvents(), metadataHeaders);
    }

    public void setFlatten(boolean flatten) {
        this.flatten = flatten;
    }

    public void setMetadata(String metadata) {
        this.metadata = metadata;
    }
}
