package io.tetragonroutes.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.hub.KafkaBatchCommit;
import io.tetragonroutes.hub.KafkaEventBatch;
import io.tetragonroutes.rules.AlertThrottle;
import io.tetragonroutes.rules.RuleFiles;
import io.tetragonroutes.rules.RuleLoader;
import io.tetragonroutes.rules.RulesEngine;
import io.tetragonroutes.rules.parseable.ParseableAlerts;
import io.tetragonroutes.sink.NdjsonFormatter;
import io.tetragonroutes.sink.ShippedCounter;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.tetragonroutes.enrich.K8sEnricher;
import io.tetragonroutes.enrich.K8sSettings;
import io.tetragonroutes.enrich.PodMetadataCache;
import io.tetragonroutes.sink.elasticsearch.ElasticsearchComponent;
import jakarta.enterprise.inject.Instance;
import io.tetragonroutes.sink.parseable.ParseableComponent;
import io.tetragonroutes.sink.file.FileSinkComponent;
import io.tetragonroutes.sink.webhook.WebhookComponent;
import io.tetragonroutes.tail.TailComponent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.apache.camel.CamelContext;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The Java steps the route YAML and kamelets refer to by name ({@code process: ref: tetragonParser}). */
@ApplicationScoped
public class PipelineBeans {

    private final ObjectMapper mapper = new ObjectMapper();
    /** Parseable alert targets: notifications and repeats, off the pipeline thread. */
    private final ScheduledExecutorService alertScheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "tetragon-alert-targets");
        t.setDaemon(true);
        return t;
    });

    @Produces
    @Singleton
    @Named(TailComponent.SCHEME)
    TailComponent tailComponent(MeterRegistry registry) {
        return new TailComponent(registry);
    }

    @Produces
    @Singleton
    @Named(FileSinkComponent.SCHEME)
    FileSinkComponent fileSinkComponent() {
        return new FileSinkComponent();
    }

    @Produces
    @Singleton
    @Named(WebhookComponent.SCHEME)
    WebhookComponent webhookComponent() {
        return new WebhookComponent();
    }

    @Produces
    @Singleton
    @Named(ParseableComponent.SCHEME)
    ParseableComponent parseableComponent() {
        return new ParseableComponent();
    }

    @Produces
    @Singleton
    @Named(ElasticsearchComponent.SCHEME)
    ElasticsearchComponent elasticsearchComponent() {
        return new ElasticsearchComponent();
    }

    @Produces
    @Singleton
    @Named("tetragonParser")
    EventParser parser(MeterRegistry registry) {
        return new EventParser(mapper, registry);
    }

    /**
     * The enrichment step. The informers start in the background: the pipeline starts even when the API server is
     * unreachable, and events pass with {@code kubernetes.pod_ref=miss} until the cache has synced.
     */
    @Produces
    @Singleton
    @Named("tetragonK8s")
    K8sEnricher k8s(K8sConfig config, MeterRegistry registry, Instance<KubernetesClient> client) {
        boolean on = switch (config.enabled()) {
            case "true" -> true;
            case "false" -> false;
            case "auto" -> System.getenv("KUBERNETES_SERVICE_HOST") != null;
            default -> throw new IllegalArgumentException("tetragon.k8s.enabled is auto, true or false, not '"
                    + config.enabled() + "'");
        };
        if (!on) {
            return K8sEnricher.disabled(registry);
        }
        if (!config.scope().equals("node") && !config.scope().equals("cluster")) {
            throw new IllegalArgumentException("tetragon.k8s.scope is node or cluster, not '" + config.scope() + "'");
        }
        PodMetadataCache cache = new PodMetadataCache(client.get(), new K8sSettings(config.nodeName().orElse(null),
                config.scope().equals("cluster"), config.deletedPodRetention(), config.maxPods(), config.labels(),
                config.annotations(), config.annotationsExclude(), config.resync(),
                config.serverSideNodeFilter()), registry, System::nanoTime);
        cache.start();
        k8sCache = cache;
        return new K8sEnricher(cache, registry);
    }

    private volatile PodMetadataCache k8sCache;

    /** For the health check: the cache, when enrichment is on. */
    PodMetadataCache k8sCache() {
        return k8sCache;
    }

    void closeK8s(@Disposes @Named("tetragonK8s") K8sEnricher enricher) {
        if (k8sCache != null) {
            k8sCache.close();
        }
    }

    /** The rules step. Built when the route starts: a bad rules file stops start-up with file, line and rule. */
    @Produces
    @Singleton
    @Named("tetragonRules")
    RulesEngine rules(RulesConfig config, CamelContext camel, MeterRegistry registry) {
        Config mp = ConfigProvider.getConfig();
        RuleLoader loader = new RuleLoader(key -> mp.getOptionalValue(key, String.class), camel, config.alertWindow());
        ParseableAlerts parseable = new ParseableAlerts(config.parseableStream(), alertScheduler);
        RuleFiles files = new RuleFiles(config.path().map(Path::of).orElse(null),
                config.parseableAlerts().map(Path::of).orElse(null), loader, parseable::load);
        RulesEngine engine = new RulesEngine(files, registry, new AlertThrottle(config.throttleKeys(), System::nanoTime));
        engine.watch(config.reloadInterval());
        return engine;
    }

    void closeRules(@Disposes @Named("tetragonRules") RulesEngine engine) {
        engine.close();
        alertScheduler.shutdownNow();
    }

    @Produces
    @Singleton
    @Named("tetragonNdjson")
    NdjsonFormatter ndjson() {
        return new NdjsonFormatter(mapper);
    }

    @Produces
    @Singleton
    @Named("tetragonHubBatch")
    KafkaEventBatch hubBatch(@Named("tetragonParser") EventParser parser,
                             @ConfigProperty(name = "tetragon.sink.kafka.alerts-topic") String alertsTopic) {
        return new KafkaEventBatch(parser, alertsTopic);
    }

    @Produces
    @Singleton
    @Named("tetragonHubCommit")
    KafkaBatchCommit hubCommit() {
        return new KafkaBatchCommit();
    }

    @Produces
    @Singleton
    @Named("tetragonShipped")
    ShippedCounter shipped(MeterRegistry registry) {
        return new ShippedCounter(registry);
    }
}
