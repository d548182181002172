package io.tetragonroutes.camel.format;

import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.sink.elasticsearch.EcsDocument;

import java.io.IOException;
import java.io.OutputStream;

/**
 * {@code tetragon-ecs}: the ECS document the {@code elasticsearch-sink} indexes (Elastic's {@code cilium_tetragon}
 * integration's fields plus ours), for any store that takes ECS: an Elasticsearch reached through another component,
 * an S3 bucket Elastic Agent reads, a Logstash input.
 */
public final class EcsFormat extends EventFormat {

    private String index = "logs-cilium_tetragon.log-default";
    private boolean preserveOriginal;
    private volatile EcsDocument document;

    @Override
    public String getDataFormatName() {
        return "tetragon-ecs";
    }

    /** The data stream the documents are meant for, {@code <type>-<dataset>-<namespace>}: fills {@code data_stream.*}. */
    public void setIndex(String index) {
        this.index = index;
        document = null;
    }

    public String getIndex() {
        return index;
    }

    /** Also keep the raw line as {@code event.original}. */
    public void setPreserveOriginal(boolean preserveOriginal) {
        this.preserveOriginal = preserveOriginal;
        document = null;
    }

    public boolean isPreserveOriginal() {
        return preserveOriginal;
    }

    @Override
    protected void write(TetragonEvent event, OutputStream out) throws IOException {
        EcsDocument d = document;
        if (d == null) {
            document = d = new EcsDocument(preserveOriginal, index);
        }
        d.write(event, out);
    }
}
