package io.tetragonroutes.app;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** {@code tetragon.rules.*}: where the rules are and how alerts are throttled (README "Configuration"). */
@ConfigMapping(prefix = "tetragon.rules")
public interface RulesConfig {

    /** Rules YAML file or directory. */
    Optional<String> path();

    /** A Parseable v1 alerts JSON file, evaluated with Parseable's semantics. */
    Optional<String> parseableAlerts();

    /** The stream name Parseable alert texts mention. */
    @WithDefault("tetragon")
    String parseableStream();

    /** Default de-duplication window for alerts (same rule, pod and binary). */
    @WithDefault("60s")
    Duration alertWindow();

    /** How many (rule, pod, binary) keys the throttle remembers. */
    @WithDefault("10000")
    int throttleKeys();

    /** How often rules files are checked for changes; 0 turns reloading off. */
    @WithDefault("2s")
    Duration reloadInterval();

    /** Networks the default pack's egress rule treats as inside the cluster. */
    @WithDefault("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,100.64.0.0/10,127.0.0.0/8,169.254.0.0/16,::1/128,fc00::/7,fe80::/10")
    String internalCidrs();
}
