package io.tetragonroutes.sink.elasticsearch;

import io.tetragonroutes.rules.Durations;
import io.tetragonroutes.sink.http.HttpSinkClient;
import io.tetragonroutes.sink.http.Tls;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

import java.net.URI;
import java.time.Duration;

/**
 * An Elasticsearch (7, 8, 9) or OpenSearch target. Options: {@code url} (required, {@code RAW(...)}),
 * {@code index} (default the integration's data stream {@code logs-cilium_tetragon.log-default}; an index name may
 * hold a date pattern {@code %{+yyyy.MM.dd}} filled from the event's time), {@code opType} ({@code create}, which
 * data streams require, or {@code index}), {@code username}/{@code password} (Basic) or {@code apiKey} (the
 * base64 {@code id:key} Elasticsearch returns as {@code encoded}), {@code caFile}, {@code skipTlsCheck},
 * {@code preserveOriginal}, {@code maxBatchBytes}, {@code maxBatchEvents}, {@code timeout}, {@code maxAttempts}.
 */
public class ElasticsearchEndpoint extends DefaultEndpoint {

    public static final String DISABLED = "off";

    private final String name;
    private String url;
    private String index = "logs-cilium_tetragon.log-default";
    private String opType = "create";
    private String username;
    private String password;
    private String apiKey;
    private String caFile;
    private boolean skipTlsCheck;
    private boolean preserveOriginal;
    private long maxBatchBytes = 5L * 1024 * 1024;
    private int maxBatchEvents = 1000;
    private String timeout = "30s";
    private int maxAttempts = 3;
    private HttpSinkClient client;
    private IndexName indexName;

    public ElasticsearchEndpoint(String uri, ElasticsearchComponent component, String name) {
        super(uri, component);
        this.name = name;
    }

    void validate() {
        if (DISABLED.equals(url)) {
            return;
        }
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("tetragon-elasticsearch:" + name + " needs url=RAW(https://host:9200)");
        }
        if (!opType.equals("create") && !opType.equals("index")) {
            throw new IllegalArgumentException("tetragon-elasticsearch:" + name + ": opType is create or index, not '"
                    + opType + "'");
        }
        if (apiKey != null && !apiKey.isEmpty() && username != null && !username.isEmpty()) {
            throw new IllegalArgumentException("tetragon-elasticsearch:" + name
                    + ": set either an API key or a username and password, not both");
        }
        indexName = IndexName.parse(index);
        if (indexName.isDataStream() && !opType.equals("create")) {
            throw new IllegalArgumentException("tetragon-elasticsearch:" + name + ": data stream '" + index
                    + "' takes only opType=create");
        }
        String auth = apiKey != null && !apiKey.isEmpty() ? "ApiKey " + apiKey
                : username != null && !username.isEmpty() ? HttpSinkClient.basic(username, password) : null;
        client = new HttpSinkClient(new HttpSinkClient.Config(URI.create(url.endsWith("/") ? url : url + "/"), auth,
                Tls.context(skipTlsCheck, caFile), Durations.parse(timeout), maxAttempts, Duration.ofMillis(200),
                Duration.ofSeconds(5)));
    }

    @Override
    public Producer createProducer() {
        if (DISABLED.equals(url)) {
            throw new IllegalStateException("tetragon-elasticsearch:" + name + " is off: set tetragon.sink.elasticsearch.url");
        }
        return new ElasticsearchProducer(this, client, indexName, opType,
                new EcsDocument(preserveOriginal, indexName.isDataStream() ? index : null), maxBatchBytes,
                maxBatchEvents, maxAttempts);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("tetragon-elasticsearch is a sink only");
    }

    /** Without URL and credentials. */
    @Override
    protected String createEndpointUri() {
        return "tetragon-elasticsearch:" + name;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public void setIndex(String index) {
        this.index = index;
    }

    public void setOpType(String opType) {
        this.opType = opType;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    public void setCaFile(String caFile) {
        this.caFile = caFile;
    }

    public void setSkipTlsCheck(boolean skipTlsCheck) {
        this.skipTlsCheck = skipTlsCheck;
    }

    public void setPreserveOriginal(boolean preserveOriginal) {
        this.preserveOriginal = preserveOriginal;
    }

    public void setMaxBatchBytes(long maxBatchBytes) {
        this.maxBatchBytes = maxBatchBytes;
    }

    public void setMaxBatchEvents(int maxBatchEvents) {
        this.maxBatchEvents = maxBatchEvents;
    }

    public void setTimeout(String timeout) {
        this.timeout = timeout;
    }

    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }
}
