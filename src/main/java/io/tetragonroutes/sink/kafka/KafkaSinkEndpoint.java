package io.tetragonroutes.sink.kafka;

import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A Kafka topic. Options: {@code brokers} (host:port list; {@code off} = the sink is not enabled, the endpoint
 * exists because route files are static), {@code securityProtocol}, {@code saslMechanism}, {@code saslJaasConfig},
 * {@code sslTruststoreLocation}, {@code sslTruststorePassword}, {@code compression}, {@code lingerMs},
 * {@code batchBytes}. The producer is always idempotent with {@code acks=all}: a record counts as shipped only when
 * every in-sync replica has it. The URI never shows brokers or credentials.
 */
public class KafkaSinkEndpoint extends DefaultEndpoint {

    public static final String DISABLED = "off";

    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    private static final Set<String> CODECS = Set.of("none", "gzip", "snappy", "lz4", "zstd");

    private final String topic;
    private String brokers;
    private String securityProtocol = "PLAINTEXT";
    private String saslMechanism = "PLAIN";
    private String saslJaasConfig;
    private String sslTruststoreLocation;
    private String sslTruststorePassword;
    private String compression = "lz4";
    private int lingerMs = 20;
    private int batchBytes = 262_144;
    private Map<String, Object> config;

    public KafkaSinkEndpoint(String uri, KafkaSinkComponent component, String topic) {
        super(uri, component);
        this.topic = topic;
    }

    /** Checks the options; called by the component once they are set, so a bad route file fails at start-up. */
    void validate() {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("tetragon-kafka needs a topic: tetragon-kafka:<topic>");
        }
        if (!isEnabled()) {
            return;
        }
        if (brokers == null || brokers.isBlank()) {
            throw new IllegalArgumentException(what() + " needs brokers=host:port[,host:port]");
        }
        if (!PROTOCOLS.contains(securityProtocol)) {
            throw new IllegalArgumentException(what() + ": securityProtocol is one of " + PROTOCOLS + ", not '"
                    + securityProtocol + "'");
        }
        if (!CODECS.contains(compression)) {
            throw new IllegalArgumentException(what() + ": compression is one of " + CODECS + ", not '"
                    + compression + "'");
        }
        if (lingerMs < 0 || batchBytes < 1024) {
            throw new IllegalArgumentException(what() + ": lingerMs must be at least 0 and batchBytes at least 1024");
        }
    }

    boolean isEnabled() {
        return brokers != null && !DISABLED.equals(brokers);
    }

    String topic() {
        return topic;
    }

    String what() {
        return KafkaSinkComponent.SCHEME + ":" + topic;
    }

    /**
     * Takes a share of the component's producer as soon as the endpoint exists (Camel initialises endpoints when it
     * builds the routes), so it is created and connects while the rest of the app starts; again when restarted.
     */
    @Override
    protected void doInit() throws Exception {
        super.doInit();
        share();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        share();
    }

    /** Gives the share back: the last one closes the producer, waiting for what it has in flight. */
    @Override
    protected void doStop() throws Exception {
        unshare();
        super.doStop();
    }

    @Override
    protected void doShutdown() throws Exception {
        unshare();
        super.doShutdown();
    }

    private void share() {
        if (isEnabled()) {
            getComponent().acquire(this);
        }
    }

    private void unshare() {
        if (isEnabled()) {
            getComponent().release(this);
        }
    }

    /** The shared producer, once created and its codec loaded; failed if it could not be created (see the component). */
    CompletableFuture<org.apache.kafka.clients.producer.Producer<String, byte[]>> producer() {
        return getComponent().producer(this);
    }

    /** The Kafka client settings; endpoints with equal settings share one producer. */
    synchronized Map<String, Object> clientConfig() {
        if (config == null) {
            config = Map.copyOf(settings());
        }
        return config;
    }

    private Map<String, Object> settings() {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, brokers);
        c.put(CommonClientConfigs.CLIENT_ID_CONFIG, "tetragon-routes");
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        c.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        c.put(ProducerConfig.BATCH_SIZE_CONFIG, batchBytes);
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, securityProtocol);
        if (securityProtocol.startsWith("SASL_")) {
            c.put(SaslConfigs.SASL_MECHANISM, saslMechanism);
            if (saslJaasConfig != null && !saslJaasConfig.isEmpty()) {
                c.put(SaslConfigs.SASL_JAAS_CONFIG, saslJaasConfig); // a Password config: Kafka logs it as [hidden]
            }
        }
        if (sslTruststoreLocation != null && !sslTruststoreLocation.isEmpty()) {
            c.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, sslTruststoreLocation);
            if (sslTruststorePassword != null && !sslTruststorePassword.isEmpty()) {
                c.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, sslTruststorePassword);
            }
        }
        return c;
    }

    @Override
    public KafkaSinkComponent getComponent() {
        return (KafkaSinkComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        return new KafkaSinkProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("tetragon-kafka is a sink only: read topics with kafka:");
    }

    @Override
    protected String createEndpointUri() {
        return what();
    }

    public void setBrokers(String brokers) {
        this.brokers = brokers;
    }

    public void setSecurityProtocol(String securityProtocol) {
        this.securityProtocol = securityProtocol;
    }

    public void setSaslMechanism(String saslMechanism) {
        this.saslMechanism = saslMechanism;
    }

    public void setSaslJaasConfig(String saslJaasConfig) {
        this.saslJaasConfig = saslJaasConfig;
    }

    public void setSslTruststoreLocation(String sslTruststoreLocation) {
        this.sslTruststoreLocation = sslTruststoreLocation;
    }

    public void setSslTruststorePassword(String sslTruststorePassword) {
        this.sslTruststorePassword = sslTruststorePassword;
    }

    public void setCompression(String compression) {
        this.compression = compression;
    }

    public void setLingerMs(int lingerMs) {
        this.lingerMs = lingerMs;
    }

    public void setBatchBytes(int batchBytes) {
        this.batchBytes = batchBytes;
    }
}
