package io.tetragonroutes.sink.elasticsearch;

import io.tetragonroutes.sink.http.HttpSinkClient;
import io.tetragonroutes.sink.http.HttpSinkEndpoint;
import org.apache.camel.Producer;


/**
 * An Elasticsearch (7, 8, 9) or OpenSearch target. Options: {@code url} (required, {@code RAW(...)}),
 * {@code index} (default the integration's data stream {@code logs-cilium_tetragon.log-default}; an index name may
 * hold a date pattern {@code %{+yyyy.MM.dd}} filled from the event's time), {@code opType} ({@code create}, which
 * data streams require, or {@code index}), {@code username}/{@code password} (Basic) or {@code apiKey} (the
 * base64 {@code id:key} Elasticsearch returns as {@code encoded}), {@code caFile}, {@code skipTlsCheck},
 * {@code preserveOriginal}, {@code maxBatchBytes}, {@code maxBatchEvents}, {@code timeout}, {@code maxAttempts},
 * and {@code setup} with {@code setupRetention}, {@code setupRolloverMaxAge}, {@code setupRolloverMaxSize}
 * ({@link ElasticsearchSetup}).
 */
public class ElasticsearchEndpoint extends HttpSinkEndpoint {

    private String index = "logs-cilium_tetragon.log-default";
    private String opType = "create";
    private String apiKey;
    private boolean preserveOriginal;
    private boolean setup;
    private String setupRetention = "90d";
    private String setupRolloverMaxAge = "30d";
    private String setupRolloverMaxSize = "50gb";
    private IndexName indexName;

    public ElasticsearchEndpoint(String uri, ElasticsearchComponent component, String name) {
        super(uri, component, ElasticsearchComponent.SCHEME, name, "tetragon.sink.elasticsearch.url",
                5L * 1024 * 1024);
    }

    @Override
    protected void validateEnabled() {
        if (!opType.equals("create") && !opType.equals("index")) {
            throw new IllegalArgumentException(what() + ": opType is create or index, not '" + opType + "'");
        }
        if (apiKey != null && !apiKey.isEmpty() && hasUsername()) {
            throw new IllegalArgumentException(what() + ": set either an API key or a username and password, not both");
        }
        indexName = IndexName.parse(index);
        if (indexName.isDataStream() && !opType.equals("create")) {
            throw new IllegalArgumentException(what() + ": data stream '" + index + "' takes only opType=create");
        }
    }

    @Override
    protected String authorization() {
        return apiKey != null && !apiKey.isEmpty() ? "ApiKey " + apiKey : super.authorization();
    }

    @Override
    protected Producer newProducer(HttpSinkClient client) {
        return new ElasticsearchProducer(this, client, indexName, opType,
                new EcsDocument(preserveOriginal, indexName.isDataStream() ? index : null), maxBatchBytes(),
                maxBatchEvents(), maxAttempts(), setup ? new ElasticsearchSetup(client, index, setupRetention,
                setupRolloverMaxAge, setupRolloverMaxSize) : null);
    }

    public void setIndex(String index) {
        this.index = index;
    }

    public void setOpType(String opType) {
        this.opType = opType;
    }

    public void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    public void setPreserveOriginal(boolean preserveOriginal) {
        this.preserveOriginal = preserveOriginal;
    }

    public void setSetup(boolean setup) {
        this.setup = setup;
    }

    public void setSetupRetention(String setupRetention) {
        this.setupRetention = setupRetention;
    }

    public void setSetupRolloverMaxAge(String setupRolloverMaxAge) {
        this.setupRolloverMaxAge = setupRolloverMaxAge;
    }

    public void setSetupRolloverMaxSize(String setupRolloverMaxSize) {
        this.setupRolloverMaxSize = setupRolloverMaxSize;
    }
}
