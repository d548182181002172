package io.tetragonroutes.routes;

import io.tetragonroutes.sink.elasticsearch.ElasticsearchNode;
import io.tetragonroutes.sink.elasticsearch.SearchNode;

/** {@link SearchClusterITSupport}'s tests against a real Elasticsearch 8.19 with Basic auth. */
class ElasticsearchClusterIT extends SearchClusterITSupport {

    @Override
    protected SearchNode node() throws Exception {
        return ElasticsearchNode.shared();
    }
}
