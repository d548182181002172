package io.tetragonroutes.camel;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.tetragonroutes.enrich.K8sEnricher;
import io.tetragonroutes.enrich.K8sSettings;
import io.tetragonroutes.enrich.PodMetadataCache;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.hub.KafkaBatchCommit;
import io.tetragonroutes.hub.KafkaEventBatch;
import io.tetragonroutes.rules.AlertThrottle;
import io.tetragonroutes.rules.Durations;
import io.tetragonroutes.rules.RuleFiles;
import io.tetragonroutes.rules.Rule;
import io.tetragonroutes.rules.RuleLoader;
import io.tetragonroutes.rules.RulesEngine;
import io.tetragonroutes.rules.Severity;
import io.tetragonroutes.rules.parseable.ParseableAlerts;
import io.tetragonroutes.rules.sigma.SigmaLoader;
import io.tetragonroutes.sink.NdjsonFormatter;
import io.tetragonroutes.sink.ShippedCounter;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.support.service.ServiceSupport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the kit's steps share within one CamelContext (the pod cache, the rules engine, the meters), made once, on
 * first use, and kept in Camel's registry as {@value #NAME}. It needs no CDI: the kamelets declare the steps they
 * use as {@code template.beans} ({@link KitStep}), the steps find the kit through their CamelContext, and the kit
 * reads its settings ({@code tetragon.*}) through Camel's properties component, with the defaults of
 * {@code application.properties} in code. So the kamelets and routes run on any Camel 4 runtime with the kit's jar on
 * the classpath: Camel Quarkus (our app, Camel K), Camel Main, Camel JBang, Spring Boot.
 * <p>
 * A bean in the registry under one of the step names ({@code tetragonRules}, {@code tetragonK8s}, ...) with the
 * step's type replaces the one the kit would make (tests bring their own Kubernetes cache this way). The meters go to
 * the registry bound as {@code tetragonMeterRegistry}, else the only {@link MeterRegistry} in Camel's registry, else
 * Micrometer's global registry.
 */
public final class TetragonKit extends ServiceSupport {

    public static final String NAME = "tetragonKit";
    public static final String METER_REGISTRY = "tetragonMeterRegistry";

    /** The defaults of application.properties, for runtimes that do not read our application.properties. */
    private static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("tetragon.rules.path", "routes/rules"),
            Map.entry("tetragon.rules.parseable-stream", "tetragon"),
            Map.entry("tetragon.rules.alert-window", "60s"),
            Map.entry("tetragon.rules.throttle-keys", "10000"),
            Map.entry("tetragon.rules.reload-interval", "2s"),
            Map.entry("tetragon.rules.sigma-alert-level", "high"),
            Map.entry("tetragon.rules.sigma-skip-status", "deprecated,unsupported"),
            Map.entry("tetragon.rules.internal-cidrs", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,"
                    + "127.0.0.0/8,169.254.0.0/16,::1/128,fc00::/7,fe80::/10"),
            Map.entry("tetragon.sink.kafka.alerts-topic", "tetragon.alerts"),
            Map.entry("tetragon.k8s.enabled", "auto"),
            Map.entry("tetragon.k8s.scope", "node"),
            Map.entry("tetragon.k8s.deleted-pod-retention", "60s"),
            Map.entry("tetragon.k8s.max-pods", "20000"),
            Map.entry("tetragon.k8s.labels", "*"),
            Map.entry("tetragon.k8s.annotations", "*"),
            Map.entry("tetragon.k8s.annotations-exclude", "kubectl.kubernetes.io/last-applied-configuration"),
            Map.entry("tetragon.k8s.resync", "0s"),
            Map.entry("tetragon.k8s.server-side-node-filter", "true"));

    private final CamelContext camel;
    private final ObjectMapper mapper = new ObjectMapper();
    private volatile MeterRegistry meters;
    private EventParser parser;
    private K8sEnricher k8s;
    private PodMetadataCache k8sCache;
    private KubernetesClient ownClient;
    private RulesEngine rules;
    private boolean ownRules;
    private ScheduledExecutorService alertScheduler;
    private NdjsonFormatter ndjson;
    private ShippedCounter shipped;
    private KafkaEventBatch hubBatch;
    private KafkaBatchCommit hubCommit;

    private TetragonKit(CamelContext camel) {
        this.camel = camel;
    }

    /** The context's kit, made and registered (and stopped with the context) on first use. */
    public static TetragonKit of(CamelContext camel) {
        TetragonKit kit = camel.getRegistry().lookupByNameAndType(NAME, TetragonKit.class);
        if (kit != null) {
            return kit;
        }
        synchronized (TetragonKit.class) { // once per context, at start: not on the context's own monitor
            kit = camel.getRegistry().lookupByNameAndType(NAME, TetragonKit.class);
            if (kit == null) {
                kit = new TetragonKit(camel);
                camel.getRegistry().bind(NAME, kit);
                try {
                    camel.addService(kit, true, true);
                } catch (Exception e) {
                    throw new IllegalStateException("cannot register the tetragon-routes kit with Camel", e);
                }
            }
            return kit;
        }
    }

    /** The defaults in code (the twins of application.properties' values, which a test keeps equal). */
    public static Map<String, String> defaults() {
        return DEFAULTS;
    }

    /** A {@code tetragon.*} setting: Camel's properties (env, system properties, application.properties), else the default. */
    public Optional<String> setting(String key) {
        Optional<String> v = camel.getPropertiesComponent().resolveProperty(key).map(String::trim)
                .filter(s -> !s.isEmpty());
        return v.isPresent() ? v : Optional.ofNullable(DEFAULTS.get(key));
    }

    private String required(String key) {
        return setting(key).orElseThrow(() -> new IllegalArgumentException(key + " is not set"));
    }

    private Duration duration(String key) {
        try {
            return Durations.parse(required(key));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }

    private int integer(String key) {
        try {
            return Integer.parseInt(required(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is a whole number, not '" + required(key) + "'", e);
        }
    }

    private List<String> list(String key) {
        return setting(key).map(s -> Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList())
                .orElse(List.of());
    }

    public CamelContext camelContext() {
        return camel;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public MeterRegistry meters() {
        MeterRegistry m = meters;
        if (m == null) {
            m = camel.getRegistry().lookupByNameAndType(METER_REGISTRY, MeterRegistry.class);
            if (m == null) {
                m = camel.getRegistry().findSingleByType(MeterRegistry.class);
            }
            meters = m = m != null ? m : Metrics.globalRegistry;
        }
        return m;
    }

    private <T> T override(String name, Class<T> type) {
        return camel.getRegistry().lookupByNameAndType(name, type);
    }

    private static <T> T orElse(T found, Supplier<T> make) {
        return found != null ? found : make.get();
    }

    public synchronized EventParser parser() {
        if (parser == null) {
            parser = orElse(override("tetragonParser", EventParser.class), () -> new EventParser(mapper, meters()));
        }
        return parser;
    }

    public synchronized NdjsonFormatter ndjson() {
        if (ndjson == null) {
            ndjson = new NdjsonFormatter(mapper);
        }
        return ndjson;
    }

    public synchronized ShippedCounter shipped() {
        if (shipped == null) {
            shipped = new ShippedCounter(meters());
        }
        return shipped;
    }

    /** The shipped counter, with the meters of {@code sink} and {@code output} registered now (zero until they count). */
    public synchronized ShippedCounter shipped(String sink, String output) {
        if (sink != null && output != null) {
            meters().counter("tetragon.sink.events", "sink", sink, "output", output);
            meters().counter("tetragon.sink.retries", "sink", sink, "output", output);
            if (sink.equals("elasticsearch")) { // the sink that can tell a document it already has
                meters().counter("tetragon.sink.duplicates", "sink", sink, "output", output);
            }
        }
        return shipped();
    }

    /**
     * Counts a sink's redeliveries, {@code tetragon_sink_retries_total{sink,output}}: the output routes'
     * {@code onRedelivery}. The sink is named by the endpoint that failed (a kit kamelet or component by its short
     * name, as its meters are: {@code tetragon-file-sink} and {@code tetragon-file:} are {@code file}; a stock component
     * by its scheme), the output by its route
     * ({@code output-alerts} is {@code alerts}).
     */
    public Processor retried() {
        MeterRegistry m = meters();
        return exchange -> {
            String uri = exchange.getProperty(org.apache.camel.ExchangePropertyKey.FAILURE_ENDPOINT, String.class);
            if (uri == null) {
                uri = exchange.getProperty(org.apache.camel.ExchangePropertyKey.TO_ENDPOINT, String.class);
            }
            String route = exchange.getUnitOfWork() == null || exchange.getUnitOfWork().getRoute() == null ? null
                    : exchange.getUnitOfWork().getRoute().getRouteId();
            m.counter("tetragon.sink.retries", "sink", sinkName(uri), "output",
                    route == null ? "unknown" : route.startsWith("output-") ? route.substring(7) : route).increment();
        };
    }

    static String sinkName(String uri) {
        if (uri == null) {
            return "unknown";
        }
        if (uri.startsWith("kamelet:")) {
            String name = uri.replaceFirst("^kamelet:(//)?", "").split("[?/]")[0];
            return name.replaceFirst("^tetragon-", "").replaceFirst("-sink$", "");
        }
        int colon = uri.indexOf(':');
        String scheme = colon > 0 ? uri.substring(0, colon) : uri;
        return scheme.replaceFirst("^tetragon-", ""); // the kit's components: tetragon-webhook is the webhook sink
    }

    public synchronized KafkaEventBatch hubBatch() {
        if (hubBatch == null) {
            hubBatch = new KafkaEventBatch(parser(), required("tetragon.sink.kafka.alerts-topic"));
        }
        return hubBatch;
    }

    public synchronized KafkaBatchCommit hubCommit() {
        if (hubCommit == null) {
            hubCommit = new KafkaBatchCommit();
        }
        return hubCommit;
    }

    /**
     * The enrichment step. The informers start in the background: the pipeline starts even when the API server is
     * unreachable, and events pass with {@code kubernetes.pod_ref=miss} until the cache has synced.
     */
    public synchronized K8sEnricher k8s() {
        if (k8s == null) {
            K8sEnricher given = override("tetragonK8s", K8sEnricher.class);
            k8s = given != null ? given : makeK8s();
        }
        return k8s;
    }

    private K8sEnricher makeK8s() {
        String enabled = required("tetragon.k8s.enabled");
        boolean on = switch (enabled) {
            case "true" -> true;
            case "false" -> false;
            case "auto" -> System.getenv("KUBERNETES_SERVICE_HOST") != null;
            default -> throw new IllegalArgumentException("tetragon.k8s.enabled is auto, true or false, not '"
                    + enabled + "'");
        };
        if (!on) {
            return K8sEnricher.disabled(meters());
        }
        String scope = required("tetragon.k8s.scope");
        if (!scope.equals("node") && !scope.equals("cluster")) {
            throw new IllegalArgumentException("tetragon.k8s.scope is node or cluster, not '" + scope + "'");
        }
        KubernetesClient client = camel.getRegistry().findSingleByType(KubernetesClient.class);
        if (client == null) {
            client = ownClient = new KubernetesClientBuilder().build(); // in-cluster service account, or kubeconfig
        }
        // the downward API's NODE_NAME; application.properties says ${NODE_NAME:}, which only Quarkus expands
        String node = setting("tetragon.k8s.node-name").filter(v -> !v.startsWith("${"))
                .orElse(System.getenv("NODE_NAME"));
        PodMetadataCache cache = new PodMetadataCache(client, new K8sSettings(node, scope.equals("cluster"),
                duration("tetragon.k8s.deleted-pod-retention"), integer("tetragon.k8s.max-pods"),
                list("tetragon.k8s.labels"), list("tetragon.k8s.annotations"),
                list("tetragon.k8s.annotations-exclude"), duration("tetragon.k8s.resync"),
                Boolean.parseBoolean(required("tetragon.k8s.server-side-node-filter"))), meters(), System::nanoTime);
        cache.start();
        k8sCache = cache;
        return new K8sEnricher(cache, meters());
    }

    /** The pod cache, when enrichment is on and the kit made it (for the health check). */
    public synchronized PodMetadataCache k8sCache() {
        return k8sCache;
    }

    /** The rules step. Built when the route starts: a bad rules file stops start-up with file, line and rule. */
    public synchronized RulesEngine rules() {
        if (rules == null) {
            RulesEngine given = override("tetragonRules", RulesEngine.class);
            if (given != null) {
                rules = given;
            } else {
                rules = makeRules();
                ownRules = true;
            }
        }
        return rules;
    }

    private RulesEngine makeRules() {
        alertScheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "tetragon-alert-targets");
            t.setDaemon(true);
            return t;
        });
        RuleLoader loader = new RuleLoader(this::setting, camel, duration("tetragon.rules.alert-window"));
        ParseableAlerts parseable = new ParseableAlerts(required("tetragon.rules.parseable-stream"), alertScheduler);
        RuleFiles files = ruleFiles(this::setting, loader, parseable::load);
        RulesEngine engine = new RulesEngine(files, meters(),
                new AlertThrottle(integer("tetragon.rules.throttle-keys"), System::nanoTime));
        engine.watch(duration("tetragon.rules.reload-interval"));
        return engine;
    }

    /** The rules files the settings name: ours, Parseable's and Sigma's (also what {@code check} loads). */
    public static RuleFiles ruleFiles(Function<String, Optional<String>> setting, RuleLoader loader,
                                      Function<Path, List<Rule>> parseable) {
        Optional<Path> sigma = setting.apply("tetragon.rules.sigma-path").map(Path::of);
        SigmaLoader sigmaLoader = null;
        if (sigma.isPresent()) {
            Severity level;
            try {
                String name = setting.apply("tetragon.rules.sigma-alert-level").orElse("high").trim();
                level = Severity.of(name.equalsIgnoreCase("informational") ? "info" : name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tetragon.rules.sigma-alert-level: " + e.getMessage());
            }
            Set<String> skip = new HashSet<>();
            for (String st : setting.apply("tetragon.rules.sigma-skip-status").orElse("").split(",")) {
                if (!st.isBlank()) {
                    skip.add(st.trim().toLowerCase(Locale.ROOT));
                }
            }
            sigmaLoader = new SigmaLoader(level, skip,
                    Durations.parse(setting.apply("tetragon.rules.alert-window").orElse("60s")));
        }
        return new RuleFiles(setting.apply("tetragon.rules.path").map(Path::of).orElse(null),
                setting.apply("tetragon.rules.parseable-alerts").map(Path::of).orElse(null), loader, parseable,
                sigma.orElse(null), sigmaLoader == null ? null : sigmaLoader::foreign);
    }

    @Override
    protected synchronized void doStop() {
        if (rules != null && ownRules) {
            rules.close();
        }
        if (alertScheduler != null) {
            alertScheduler.shutdownNow();
        }
        if (k8sCache != null) {
            k8sCache.close();
        }
        if (ownClient != null) {
            ownClient.close();
        }
        rules = null;
        k8s = null;
        k8sCache = null;
        ownClient = null;
        alertScheduler = null;
    }
}
