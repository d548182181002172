package io.tetragonroutes.sink.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.sink.http.HttpSinkClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code tetragon.sink.elasticsearch.setup=true}: what Filebeat's {@code setup.template} and {@code setup.ilm} do,
 * for when Elastic's {@code cilium_tetragon} integration is not installed. Before the first document, the sink
 * installs
 * <ul>
 *   <li>a lifecycle: an ILM policy {@code tetragon-routes} (rollover at {@code rolloverMaxSize} per primary shard or
 *   {@code rolloverMaxAge}, delete {@code retention} after rollover) where the cluster has ILM; where it has not (an
 *   Elasticsearch without x-pack's ILM), the data stream lifecycle of the template ({@code data_retention}), which
 *   rolls over on the cluster's defaults; OpenSearch has neither (its ISM is a plugin the kit does not drive): there
 *   the template goes in without one, and a warning says so;</li>
 *   <li>the index template {@code tetragon-routes-<type>-<dataset>} for {@code <type>-<dataset>-*} (a data stream,
 *   priority 150: below Fleet's 200, so an integration installed later wins), with the ECS types of every field the
 *   sink writes and every other string a keyword, marked {@code _meta.managed_by: tetragon-routes}.</li>
 * </ul>
 * A template of that name that the kit did not install is never overwritten: the sink logs it and writes into what
 * is there. A plain index target (not {@code <type>-<dataset>-<namespace>}) gets its template without the data
 * stream. Calls go through the sink's client (same credentials, TLS and retries); a cluster that is down fails
 * the start, and the sink tries again with the next batch.
 */
final class ElasticsearchSetup {

    static final String MANAGED_BY = "tetragon-routes";
    /** Our template's version: a newer kit replaces an older template of its own. */
    static final int VERSION = 1;
    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchSetup.class);
    private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

    private final HttpSinkClient client;
    private final ObjectMapper mapper = new ObjectMapper();
    private final String target;
    private final String retention;
    private final String rolloverMaxAge;
    private final String rolloverMaxSize;

    ElasticsearchSetup(HttpSinkClient client, String target, String retention, String rolloverMaxAge,
                       String rolloverMaxSize) {
        this.client = client;
        this.target = target;
        this.retention = retention;
        this.rolloverMaxAge = rolloverMaxAge;
        this.rolloverMaxSize = rolloverMaxSize;
    }

    /** The template's name and pattern for a target: a data stream's type and dataset, or an index's prefix. */
    record Names(String template, String pattern, boolean dataStream) {

        static Names of(String target) {
            EcsDocument.DataStream ds = EcsDocument.DataStream.of(target);
            if (ds != null) {
                String base = ds.type() + "-" + ds.dataset();
                return new Names(MANAGED_BY + "-" + base, base + "-*", true);
            }
            int date = target.indexOf("%{");
            String prefix = date >= 0 ? target.substring(0, date) : target;
            return new Names(MANAGED_BY + "-" + prefix.replaceAll("[^a-z0-9_.-]", ""), prefix + "*", false);
        }
    }

    /** Installs the lifecycle and the template, and logs what it did. */
    void run() throws IOException, InterruptedException {
        Names names = Names.of(target);
        HttpSinkClient.Response existing = client.send("GET", "_index_template/" + names.template(), Map.of(), null);
        if (existing.status() == 200) {
            JsonNode t = mapper.readTree(existing.body()).path("index_templates").path(0).path("index_template");
            if (!MANAGED_BY.equals(t.path("_meta").path("managed_by").asText())) {
                LOG.warn("Elasticsearch {}: index template '{}' exists and was not installed by tetragon-routes: "
                        + "left as it is (setup never overwrites a template it did not install)", client.where(),
                        names.template());
                return;
            }
            if (t.path("version").asInt() >= VERSION) {
                LOG.info("Elasticsearch {}: index template '{}' is in place", client.where(), names.template());
                return;
            }
        }
        ObjectNode template = template(names);
        String lifecycle;
        if (ilm()) {
            ((ObjectNode) template.path("template").path("settings").path("index"))
                    .putObject("lifecycle").put("name", MANAGED_BY);
            lifecycle = "ILM policy " + MANAGED_BY;
        } else if (names.dataStream()) {
            template.with("template").putObject("lifecycle").put("data_retention", retention);
            lifecycle = "data stream lifecycle, retention " + retention;
        } else {
            lifecycle = "none";
        }
        HttpSinkClient.Response put = put("_index_template/" + names.template(), template);
        if (!put.ok() && template.path("template").has("lifecycle")) {
            // OpenSearch (and Elasticsearch before 8.11) know no data stream lifecycle: the template goes in without
            ((ObjectNode) template.get("template")).remove("lifecycle");
            LOG.warn("Elasticsearch {}: the cluster has neither ILM nor data stream lifecycles; template '{}' is "
                    + "installed without retention: set one in the cluster (OpenSearch: an ISM policy)",
                    client.where(), names.template());
            lifecycle = "none (the cluster has no lifecycle the kit can set)";
            put = put("_index_template/" + names.template(), template);
        }
        if (!put.ok()) {
            throw new IOException("Elasticsearch " + client.where() + " refused index template '" + names.template()
                    + "': HTTP " + put.status() + " " + HttpSinkClient.clip(put.body()));
        }
        LOG.info("Elasticsearch {}: installed index template '{}' for '{}' (lifecycle: {})", client.where(),
                names.template(), names.pattern(), lifecycle);
    }

    /** Installs the ILM policy; false where the cluster has no ILM (the endpoint is missing). */
    private boolean ilm() throws IOException, InterruptedException {
        ObjectNode policy = mapper.createObjectNode();
        ObjectNode phases = policy.putObject("policy").putObject("phases");
        ObjectNode rollover = phases.putObject("hot").putObject("actions").putObject("rollover");
        rollover.put("max_age", rolloverMaxAge).put("max_primary_shard_size", rolloverMaxSize);
        phases.putObject("delete").put("min_age", retention).putObject("actions").putObject("delete");
        policy.with("policy").putObject("_meta").put("managed_by", MANAGED_BY);
        HttpSinkClient.Response r = put("_ilm/policy/" + MANAGED_BY, policy);
        if (r.ok()) {
            return true;
        }
        if (r.status() == 400 || r.status() == 404 || r.status() == 405) {
            LOG.info("Elasticsearch {}: no ILM on this cluster (HTTP {}); using the data stream lifecycle",
                    client.where(), r.status());
            return false;
        }
        throw new IOException("Elasticsearch " + client.where() + " refused ILM policy '" + MANAGED_BY + "': HTTP "
                + r.status() + " " + HttpSinkClient.clip(r.body()));
    }

    private ObjectNode template(Names names) throws IOException {
        ObjectNode t;
        try (InputStream in = ElasticsearchSetup.class.getResourceAsStream("index-template.json")) {
            t = (ObjectNode) mapper.readTree(in);
        }
        t.remove("_comment");
        t.putArray("index_patterns").add(names.pattern());
        t.put("priority", 150);
        t.put("version", VERSION);
        t.putObject("_meta").put("managed_by", MANAGED_BY).put("description",
                "Tetragon events as tetragon-routes writes them (ECS); installed by tetragon.sink.elasticsearch.setup");
        if (names.dataStream()) {
            t.putObject("data_stream");
        }
        return t;
    }

    private HttpSinkClient.Response put(String path, JsonNode body) throws IOException, InterruptedException {
        return client.send("PUT", path, JSON, mapper.writeValueAsBytes(body));
    }
}
