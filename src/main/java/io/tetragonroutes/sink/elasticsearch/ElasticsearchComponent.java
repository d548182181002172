package io.tetragonroutes.sink.elasticsearch;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

import java.util.Map;

/**
 * {@code tetragon-elasticsearch:<name>?url=RAW(https://es:9200)}: sends the events of an event batch to
 * Elasticsearch or OpenSearch with {@code _bulk}, as ECS documents (see {@link ElasticsearchEndpoint}). Used by
 * {@code kamelets/elasticsearch-sink.kamelet.yaml}.
 */
public class ElasticsearchComponent extends DefaultComponent {

    public static final String SCHEME = "tetragon-elasticsearch";

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        ElasticsearchEndpoint endpoint = new ElasticsearchEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        endpoint.validate();
        return endpoint;
    }
}
