package io.tetragonroutes.routes;

import io.tetragonroutes.sink.elasticsearch.OpenSearchNode;
import io.tetragonroutes.sink.elasticsearch.SearchNode;

/** {@link SearchClusterITSupport}'s tests against a real OpenSearch 2.19 node (no security plugin: no auth). */
class OpenSearchClusterIT extends SearchClusterITSupport {

    @Override
    protected SearchNode node() throws Exception {
        return OpenSearchNode.shared();
    }
}
