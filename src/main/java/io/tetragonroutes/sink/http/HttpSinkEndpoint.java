package io.tetragonroutes.sink.http;

import io.tetragonroutes.rules.Durations;
import org.apache.camel.Component;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

import java.net.URI;
import java.time.Duration;

/**
 * What the HTTP sink endpoints (Parseable, Elasticsearch) share: the service URL ({@code off} = the sink is not
 * enabled, the endpoint exists because route files are static), Basic credentials, TLS ({@code skipTlsCheck},
 * {@code caFile}), {@code timeout}, {@code maxAttempts}, request limits ({@code maxBatchBytes},
 * {@code maxBatchEvents}), and the client, built at start-up so a bad URL or CA file fails then.
 * The URI never shows the URL or credentials.
 */
public abstract class HttpSinkEndpoint extends DefaultEndpoint {

    /** The URL the shipped routes pass when the sink's URL property is unset. */
    public static final String DISABLED = "off";

    private final String scheme;
    private final String name;
    private final String urlProperty;
    private String url;
    private String username;
    private String password;
    private boolean skipTlsCheck;
    private String caFile;
    private String timeout = "30s";
    private int maxAttempts = 3;
    private long maxBatchBytes;
    private int maxBatchEvents = 1000;
    private HttpSinkClient client;

    protected HttpSinkEndpoint(String uri, Component component, String scheme, String name, String urlProperty,
                               long maxBatchBytes) {
        super(uri, component);
        this.scheme = scheme;
        this.name = name;
        this.urlProperty = urlProperty;
        this.maxBatchBytes = maxBatchBytes;
    }

    /** Checks the options and builds the client; called by the component once the options are set. */
    public final void validate() {
        validateAlways();
        if (DISABLED.equals(url)) {
            return;
        }
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(what() + " needs url=RAW(http(s)://host:port)");
        }
        if (maxBatchBytes < 1024 || maxBatchEvents < 1) {
            throw new IllegalArgumentException(what() + ": maxBatchBytes must be at least 1024 and maxBatchEvents at least 1");
        }
        validateEnabled();
        client = new HttpSinkClient(new HttpSinkClient.Config(URI.create(url.endsWith("/") ? url : url + "/"),
                authorization(), Tls.context(skipTlsCheck, caFile), Durations.parse(timeout), maxAttempts,
                Duration.ofMillis(200), Duration.ofSeconds(5)));
    }

    /** Checks that hold even for a disabled sink (names a route file fixes). */
    protected void validateAlways() {
    }

    /** Checks of the sink's own options, when it is enabled. */
    protected void validateEnabled() {
    }

    /** The Authorization header value, or null: Basic when a username is set. */
    protected String authorization() {
        return username == null || username.isEmpty() ? null : HttpSinkClient.basic(username, password);
    }

    protected abstract Producer newProducer(HttpSinkClient client);

    protected final String what() {
        return scheme + ":" + name;
    }

    protected final String name() {
        return name;
    }

    protected final boolean hasUsername() {
        return username != null && !username.isEmpty();
    }

    protected final long maxBatchBytes() {
        return maxBatchBytes;
    }

    protected final int maxBatchEvents() {
        return maxBatchEvents;
    }

    protected final int maxAttempts() {
        return maxAttempts;
    }

    @Override
    public final Producer createProducer() {
        if (DISABLED.equals(url)) {
            throw new IllegalStateException(what() + " is off: set " + urlProperty);
        }
        return newProducer(client);
    }

    @Override
    public final Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException(scheme + " is a sink only");
    }

    @Override
    protected final String createEndpointUri() {
        return what();
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

    public void setMaxBatchBytes(long maxBatchBytes) {
        this.maxBatchBytes = maxBatchBytes;
    }

    public void setMaxBatchEvents(int maxBatchEvents) {
        this.maxBatchEvents = maxBatchEvents;
    }
}
