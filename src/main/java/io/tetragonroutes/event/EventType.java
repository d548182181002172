package io.tetragonroutes.event;

import com.fasterxml.jackson.databind.node.TextNode;

/** The event kinds Tetragon's export writes; the JSON key is the proto name. Anything else is {@link #UNKNOWN}. */
public enum EventType {
    PROCESS_EXEC("process_exec"),
    PROCESS_EXIT("process_exit"),
    PROCESS_KPROBE("process_kprobe"),
    PROCESS_TRACEPOINT("process_tracepoint"),
    PROCESS_UPROBE("process_uprobe"),
    PROCESS_LSM("process_lsm"),
    PROCESS_LOADER("process_loader"),
    PROCESS_USDT("process_usdt"),
    PROCESS_THROTTLE("process_throttle"),
    RATE_LIMIT_INFO("rate_limit_info"),
    UNKNOWN("unknown");

    private final String key;
    private final TextNode node;

    EventType(String key) {
        this.key = key;
        this.node = TextNode.valueOf(key);
    }

    /** The key as a JSON value, shared (rules compare it without allocating). */
    TextNode keyNode() {
        return node;
    }

    public String key() {
        return key;
    }

    /** The type for a top-level key, or null for keys that are not events (node_name, time, ...). */
    static EventType ofKey(String key) {
        switch (key) {
            case "process_exec": return PROCESS_EXEC;
            case "process_exit": return PROCESS_EXIT;
            case "process_kprobe": return PROCESS_KPROBE;
            case "process_tracepoint": return PROCESS_TRACEPOINT;
            case "process_uprobe": return PROCESS_UPROBE;
            case "process_lsm": return PROCESS_LSM;
            case "process_loader": return PROCESS_LOADER;
            case "process_usdt": return PROCESS_USDT;
            case "process_throttle": return PROCESS_THROTTLE;
            case "rate_limit_info": return RATE_LIMIT_INFO;
            case "node_name": case "time": case "cluster_name": case "node_labels": case "aggregation_info":
                return null;
            default: return UNKNOWN;
        }
    }

    /** Event types whose body has a kernel-hook {@code args} array (file_arg, sock_arg, ...). */
    public boolean hasArgs() {
        return this == PROCESS_KPROBE || this == PROCESS_TRACEPOINT || this == PROCESS_UPROBE || this == PROCESS_LSM
                || this == PROCESS_USDT;
    }
}
