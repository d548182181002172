package io.tetragonroutes.sink.parseable;

import io.tetragonroutes.rules.Durations;
import io.tetragonroutes.sink.http.HttpSinkClient;
import io.tetragonroutes.sink.http.Tls;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

import java.net.URI;
import java.time.Duration;
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
public class ParseableEndpoint extends DefaultEndpoint {

    /** The URL the shipped routes pass when {@code tetragon.sink.parseable.url} is unset. */
    public static final String DISABLED = "off";

    private static final Pattern STREAM_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern META_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    // Parseable refuses stream names its SQL engine would read as keywords
    private static final Set<String> SQL_KEYWORDS = Set.of("select", "from", "where", "group", "by", "order",
            "limit", "offset", "join", "inner", "outer", "left", "right", "full", "on", "as", "and", "or", "not",
            "null", "is", "in", "like", "between", "case", "when", "then", "else", "end", "union", "all", "distinct",
            "having", "insert", "update", "delete", "create", "drop", "alter", "table", "into", "values", "set",
            "with", "exists", "true", "false", "cast", "asc", "desc", "show", "explain", "describe");

    private final String stream;
    private String url;
    private String username;
    private String password;
    private boolean flatten;
    private long maxBatchBytes = 9L * 1024 * 1024;
    private int maxBatchEvents = 1000;
    private String metadata;
    private boolean skipTlsCheck;
    private String caFile;
    private String timeout = "30s";
    private int maxAttempts = 3;
    private HttpSinkClient client;
    private Map<String, String> metadataHeaders;

    public ParseableEndpoint(String uri, ParseableComponent component, String stream) {
        super(uri, component);
        this.stream = stream;
    }

    void validate() {
        checkStreamName(stream);
        if (DISABLED.equals(url)) {
            return;
        }
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("tetragon-parseable:" + stream + " needs url=RAW(http(s)://host:port)");
        }
        if (maxBatchBytes < 1024 || maxBatchEvents < 1) {
            throw new IllegalArgumentException("tetragon-parseable:" + stream
                    + ": maxBatchBytes must be at least 1024 and maxBatchEvents at least 1");
        }
        metadataHeaders = parseMetadata(metadata);
        // built now so that a bad URL or CA file fails at start-up, not at the first batch
        client = new HttpSinkClient(new HttpSinkClient.Config(URI.create(url.endsWith("/") ? url : url + "/"),
                username == null || username.isEmpty() ? null : HttpSinkClient.basic(username, password),
                Tls.context(skipTlsCheck, caFile), Durations.parse(timeout), maxAttempts, Duration.ofMillis(200),
                Duration.ofSeconds(5)));
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
    public Producer createProducer() {
        if (DISABLED.equals(url)) {
            throw new IllegalStateException("tetragon-parseable:" + stream + " is off: set tetragon.sink.parseable.url");
        }
        return new ParseableProducer(this, client, stream, flatten, maxBatchBytes, maxBatchEvents, metadataHeaders);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("tetragon-parseable is a sink only");
    }

    /** Without the URL and credentials. */
    @Override
    protected String createEndpointUri() {
        return "tetragon-parseable:" + stream;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public void setFlatten(boolean flatten) {
        this.flatten = flatten;
    }

    public void setMaxBatchBytes(long maxBatchBytes) {
        this.maxBatchBytes = maxBatchBytes;
    }

    public void setMaxBatchEvents(int maxBatchEvents) {
        this.maxBatchEvents = maxBatchEvents;
    }

    public void setMetadata(String metadata) {
        this.metadata = metadata;
    }

    public void setSkipTlsCheck(boolean skipTlsCheck) {
        this.skipTlsCheck = skipTlsCheck;
    }

    public void setCaFile(String caFile) {
        this.caFile = caFile;
    }

    public void setTimeout(String timeout) {
        this.timeout = timeout;
    }

    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }
}
