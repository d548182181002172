package io.tetragonroutes.rules;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.tetragonroutes.event.EventBatch;
import io.tetragonroutes.event.TetragonEvent;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The rules step: tests each event against the rules that can match it, adds {@code rule.{ids,severity,tags,
 * message}} to matched events, and decides their outputs: {@code alerts} (throttled), named routes, and whether
 * they stay in {@code all}. Rules reload from disk when their files change; a broken edit keeps the last good set.
 */
public final class RulesEngine implements Processor, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RulesEngine.class);

    private final RuleFiles files;
    private final MeterRegistry registry;
    private final AlertThrottle throttle;
    private final AtomicReference<RuleSet> current = new AtomicReference<>();
    private final Map<String, RuleMeters> meters = new ConcurrentHashMap<>();
    /** Rules skipped by reason in the set in use; a gauge per reason seen since start. */
    private final Map<String, AtomicInteger> skipped = new ConcurrentHashMap<>();
    private volatile String fingerprint;
    private volatile String lastError;
    private ScheduledExecutorService reloader;

    private record RuleMeters(Counter matched, Counter alerts, Counter throttled, Counter dropped) {
    }

    /** Loads the rules now: a problem fails the caller (start-up) with the file, line and rule. */
    public RulesEngine(RuleFiles files, MeterRegistry registry, AlertThrottle throttle) {
        this.files = files;
        this.registry = registry;
        this.throttle = throttle;
        this.fingerprint = files.fingerprint();
        RuleSet set = files.load();
        current.set(set);
        registry.gauge("tetragon.rules.loaded", current, r -> r.get().size());
        // registered at start, zero until they count: dashboards and alerts find every series from the first scrape
        registry.counter("tetragon.rules.reloads", "result", "ok");
        registry.counter("tetragon.rules.reloads", "result", "failed");
        set.rules().forEach(r -> meters(r.id()));
        LOG.info("Loaded {} rules from {}", set.size(), files.describe());
        skipped(set);
    }

    /** One line per reason rules were skipped (with how many, and the first few), and the gauges. */
    private void skipped(RuleSet set) {
        Map<String, Integer> counts = set.skippedByReason();
        skipped.forEach((reason, n) -> n.set(counts.getOrDefault(reason, 0)));
        counts.forEach((reason, n) -> skipped.computeIfAbsent(reason, k -> {
            AtomicInteger g = new AtomicInteger();
            registry.gauge("tetragon.rules.skipped", List.of(Tag.of("reason", k)),
                    g);
            return g;
        }).set(n));
        counts.forEach((reason, n) -> {
            List<RuleSet.Skipped> these = set.skipped().stream().filter(s -> s.reason().equals(reason)).toList();
            LOG.info("Skipped {} Sigma rule{} ({}): {}; {}", n, n == 1 ? "" : "s", reason, these.get(0).detail(),
                    these.stream().limit(3).map(s -> "'" + s.title() + "'").collect(Collectors.joining(", "))
                            + (n > 3 ? " and " + (n - 3) + " more" : ""));
        });
    }

    /** Checks the files every {@code interval} and reloads them when they change. */
    public synchronized void watch(Duration interval) {
        if (reloader != null || interval.isZero()) {
            return;
        }
        reloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tetragon-rules-reload");
            t.setDaemon(true);
            return t;
        });
        reloader.scheduleWithFixedDelay(this::reloadIfChanged, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Reloads when the files changed. Returns true when a new set is in use. */
    public boolean reloadIfChanged() {
        String now;
        try {
            now = files.fingerprint();
        } catch (RuntimeException e) {
            LOG.warn("Cannot check the rules files: {}", e.toString());
            return false;
        }
        if (now.equals(fingerprint)) {
            return false;
        }
        fingerprint = now;
        try {
            RuleSet next = files.load();
            RuleSet before = current.getAndSet(next);
            before.close();
            next.rules().forEach(r -> meters(r.id()));
            lastError = null;
            registry.counter("tetragon.rules.reloads", "result", "ok").increment();
            LOG.info("Reloaded {} rules from {}", next.size(), files.describe());
            skipped(next);
            return true;
        } catch (RuntimeException e) {
            lastError = e.getMessage();
            registry.counter("tetragon.rules.reloads", "result", "failed").increment();
            LOG.error("Rules reload failed, still using the {} rules loaded before: {}", current.get().size(),
                    e.getMessage());
            return false;
        }
    }

    public RuleSet rules() {
        return current.get();
    }

    /** Why the last reload failed, or null when the rules in use are the files' current content. */
    public String lastError() {
        return lastError;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        EventBatch batch = exchange.getMessage().getMandatoryBody(EventBatch.class);
        apply(batch);
        String backfill = exchange.getMessage().getHeader(io.tetragonroutes.tail.TailConsumer.BACKFILL, String.class);
        if (backfill != null) { // an alert from old events: say so, beside event.kind and the rule's fields
            for (TetragonEvent e : batch.list()) {
                if (e.routedTo("alerts")) {
                    ((ObjectNode) e.extras().get("rule")).put("backfill", backfill);
                }
            }
        }
    }

    public void apply(EventBatch batch) {
        RuleSet set = current.get();
        for (TetragonEvent e : batch.list()) {
            RuleSet.Bucket bucket = set.bucket(e);
            Rule[] candidates = bucket.rules;
            long[] selected = bucket.select(e);
            Rule first = null;
            int matched = 0;
            Rule[] hits = null;
            for (int i = 0; i < candidates.length; i++) {
                if (!RuleSet.Bucket.isSet(selected, i)) {
                    continue; // a key of the rule that the event's values do not meet: it cannot match
                }
                Rule r = candidates[i];
                if (r.match().test(e)) {
                    if (first == null) {
                        first = r;
                    } else {
                        if (hits == null) {
                            hits = new Rule[candidates.length];
                            hits[0] = first;
                        }
                        hits[matched] = r;
                    }
                    matched++;
                } else if (r.hook() != null) {
                    r.hook().missed(r, e);
                }
            }
            if (first != null) {
                flag(e, hits == null ? new Rule[] {first} : hits, matched);
            }
            e.clearDerived(); // values computed for the rules (Sigma's command lines): not needed past this step
        }
    }

    private void flag(TetragonEvent e, Rule[] hits, int n) {
        ObjectNode rule = e.extras().putObject("rule");
        ArrayNode ids = rule.putArray("ids");
        Severity severity = Severity.INFO;
        Set<String> tags = new LinkedHashSet<>();
        Set<String> authors = null;
        String message = null;
        long count = 0;
        boolean throttled = false;
        for (int i = 0; i < n; i++) {
            Rule r = hits[i];
            RuleMeters m = meters(r.id());
            m.matched.increment();
            ids.add(r.id());
            if (r.severity().compareTo(severity) > 0) {
                severity = r.severity();
            }
            tags.addAll(r.tags());
            if (r.author() != null) {
                if (authors == null) {
                    authors = new LinkedHashSet<>();
                }
                authors.add(r.author());
            }
            if (r.drop() || !r.keepSample()) {
                e.drop();
                m.dropped.increment();
            }
            for (String out : r.routes()) {
                e.routeTo(out);
            }
            boolean alertNow = false;
            if (r.hook() != null) {
                alertNow = r.hook().matched(r, e) && r.alert();
            } else if (r.alert()) {
                long c = throttle.admit(throttleKey(r, e), r.throttle());
                if (c == 0) {
                    throttled = true;
                    m.throttled.increment();
                } else {
                    alertNow = true;
                    count = Math.max(count, c);
                }
            }
            if (alertNow) {
                e.routeTo("alerts");
                m.alerts.increment();
                if (message == null) {
                    message = message(r, e);
                }
            }
        }
        rule.put("severity", severity.label());
        ArrayNode t = rule.putArray("tags");
        tags.forEach(t::add);
        if (authors != null) {
            authors.forEach(rule.putArray("author")::add);
        }
        rule.put("message", message != null ? message : message(hits[0], e));
        if (count > 1) {
            rule.put("count", count);
        }
        if (throttled && message == null) {
            rule.put("throttled", true);
        }
    }

    static String message(Rule r, TetragonEvent e) {
        if (r.message() != null) {
            return r.message().render(e);
        }
        String where = e.podNamespace() != null ? e.podNamespace() + "/" + e.podName() : "host";
        return r.description() + ": " + orDash(e.binary()) + " in " + where + " on " + orDash(e.nodeName());
    }

    private static String throttleKey(Rule r, TetragonEvent e) {
        return r.id() + '\u0000' + e.podBinaryKey();
    }

    private RuleMeters meters(String id) {
        return meters.computeIfAbsent(id, k -> new RuleMeters(
                registry.counter("tetragon.rules.matched", "rule", k),
                registry.counter("tetragon.alerts", "rule", k),
                registry.counter("tetragon.alerts.throttled", "rule", k),
                registry.counter("tetragon.events.dropped", "rule", k)));
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }

    @Override
    public synchronized void close() {
        if (reloader != null) {
            reloader.shutdownNow();
            reloader = null;
        }
        current.get().close();
    }
}
