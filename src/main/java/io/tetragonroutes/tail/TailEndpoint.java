package io.tetragonroutes.tail;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Options of {@code tetragon-tail:}; every one is also a property of the tetragon-file-source kamelet. */
public class TailEndpoint extends DefaultEndpoint {

    private final String path;
    private String dataDir = "data";
    private String startAt = "beginning";
    private int maxLineBytes = 1024 * 1024;
    private int batchSize = 1000;
    private long batchBytes = 4L * 1024 * 1024;
    private long lingerMs = 50;
    private long pollDelayMs = 100;
    private int maxInflight = 4;
    private long retryMaxBackoffMs = 30_000;
    private long drainTimeoutSeconds = 30;
    private String checkpointName;
    private final List<TailConsumer> consumers = new CopyOnWriteArrayList<>();

    TailEndpoint(String uri, TailComponent component, String path) {
        super(uri, component);
        this.path = path;
    }

    void validate() {
        if (!startAt.equals("beginning") && !startAt.equals("live") && !startAt.equals("end")) {
            throw new IllegalArgumentException("startAt must be 'beginning', 'live' or 'end', not '" + startAt + "'");
        }
        if (maxLineBytes < 1024 || batchSize < 1 || maxInflight < 1 || batchBytes < 1) {
            throw new IllegalArgumentException("tetragon-tail: maxLineBytes >= 1024, batchSize, batchBytes and "
                    + "maxInflight >= 1 (got " + maxLineBytes + ", " + batchSize + ", " + batchBytes + ", "
                    + maxInflight + ")");
        }
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("tetragon-tail is a consumer only");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        TailConsumer c = new TailConsumer(this, processor);
        configureConsumer(c);
        return c;
    }

    @Override
    public boolean isRemote() {
        return false;
    }

    void register(TailConsumer c) {
        consumers.add(c);
    }

    void unregister(TailConsumer c) {
        consumers.remove(c);
    }

    /** Whether a route consumes from this endpoint (a hub that only reads Kafka has none running). */
    public boolean isConsumed() {
        return !consumers.isEmpty();
    }

    /** True when every consumer of this endpoint has its export open (for readiness). */
    public boolean isReading() {
        return !consumers.isEmpty() && consumers.stream().allMatch(TailConsumer::isReading);
    }

    public boolean isStdin() {
        return "-".equals(path);
    }

    /** {@code backfill:<id>}: the files of the {@link BackfillPlan} in Camel's registry, not an export. */
    public boolean isBackfill() {
        return path.startsWith(BackfillPlan.PATH_PREFIX);
    }

    Path checkpointFile() {
        String name = checkpointName != null ? checkpointName
                : isBackfill() ? "backfill-" + path.substring(BackfillPlan.PATH_PREFIX.length()) // never the live one's
                : Path.of(path).toAbsolutePath().normalize().toString().replaceAll("[^A-Za-z0-9._-]", "_");
        return Path.of(dataDir, "checkpoints", name + ".json");
    }

    Path spillDir() {
        return Path.of(dataDir, "dead-letter", "oversized");
    }

    TailMetrics newMetrics() {
        return new TailMetrics(((TailComponent) getComponent()).getMeterRegistry(), path);
    }

    public String getPath() {
        return path;
    }

    public String getDataDir() {
        return dataDir;
    }

    public void setDataDir(String dataDir) {
        this.dataDir = dataDir;
    }

    public String getStartAt() {
        return startAt;
    }

    public void setStartAt(String startAt) {
        this.startAt = startAt;
    }

    public int getMaxLineBytes() {
        return maxLineBytes;
    }

    public void setMaxLineBytes(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public long getBatchBytes() {
        return batchBytes;
    }

    public void setBatchBytes(long batchBytes) {
        this.batchBytes = batchBytes;
    }

    public long getLingerMs() {
        return lingerMs;
    }

    public void setLingerMs(long lingerMs) {
        this.lingerMs = lingerMs;
    }

    public long getPollDelayMs() {
        return pollDelayMs;
    }

    public void setPollDelayMs(long pollDelayMs) {
        this.pollDelayMs = pollDelayMs;
    }

    public int getMaxInflight() {
        return maxInflight;
    }

    public void setMaxInflight(int maxInflight) {
        this.maxInflight = maxInflight;
    }

    public long getRetryMaxBackoffMs() {
        return retryMaxBackoffMs;
    }

    public void setRetryMaxBackoffMs(long retryMaxBackoffMs) {
        this.retryMaxBackoffMs = retryMaxBackoffMs;
    }

    /** How long a stop waits for the batches in flight to be accepted (then they are read again at the next start). */
    public long getDrainTimeoutSeconds() {
        return drainTimeoutSeconds;
    }

    public void setDrainTimeoutSeconds(long drainTimeoutSeconds) {
        this.drainTimeoutSeconds = drainTimeoutSeconds;
    }

    long drainTimeoutMs() {
        return drainTimeoutSeconds * 1000;
    }

    public String getCheckpointName() {
        return checkpointName;
    }

    public void setCheckpointName(String checkpointName) {
        this.checkpointName = checkpointName;
    }
}
