package io.tetragonroutes.rules;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The field names a Tetragon export line (and our additions) can carry, from Tetragon's proto (see the samples'
 * README): what lets a rules file fail at start-up on a typo such as {@code args[*].file_args.path} instead of
 * silently never matching, and what turns a Parseable-style flattened name
 * ({@code process_kprobe_process_arguments}) into a path. Maps with free keys (labels) and subtrees we do not
 * spell out accept anything below them.
 */
public final class FieldSchema {

    enum Kind { OBJECT, ARRAY, MAP, LEAF, ANY }

    /** One node of the schema. OBJECT has named children; ARRAY and MAP have one element node. */
    static final class Node {
        final Kind kind;
        final Map<String, Node> children;
        final Node element;

        private Node(Kind kind, Map<String, Node> children, Node element) {
            this.kind = kind;
            this.children = children;
            this.element = element;
        }
    }

    private static final Node LEAF = new Node(Kind.LEAF, Map.of(), null);
    private static final Node ANY = new Node(Kind.ANY, Map.of(), null);

    private static final Node ROOT = build();

    private FieldSchema() {
    }

    static Node root() {
        return ROOT;
    }

    /** The child of an OBJECT/MAP/ANY node by name (arrays are transparent), or null when the name is unknown. */
    static Node child(Node n, String name) {
        while (n.kind == Kind.ARRAY) {
            n = n.element;
        }
        return switch (n.kind) {
            case OBJECT -> n.children.get(name);
            case MAP -> n.element;
            case ANY -> ANY;
            default -> null;
        };
    }

    static Node elements(Node n) {
        return n.kind == Kind.ARRAY ? n.element : n.kind == Kind.ANY ? ANY : null;
    }

    /** The names known under a node, for error messages. */
    static String known(Node n) {
        while (n.kind == Kind.ARRAY) {
            n = n.element;
        }
        return n.kind == Kind.OBJECT ? String.join(", ", new TreeSet<>(n.children.keySet()))
                : n.kind == Kind.LEAF ? "(a value: nothing below it)" : "(any key)";
    }

    /**
     * Turns a Parseable flattened column name into path segments: nested keys joined with {@code _}, arrays
     * exploded (so they add no segment). Longest known key first; a free-key map takes the rest as one key.
     * Returns null when no reading of the name fits the schema.
     */
    static List<String> unflatten(String flat) {
        List<String> out = new ArrayList<>();
        return unflatten(ROOT, flat, 0, out) ? out : null;
    }

    private static boolean unflatten(Node n, String flat, int from, List<String> out) {
        while (n.kind == Kind.ARRAY) {
            n = n.element;
        }
        if (from == flat.length()) {
            return true;
        }
        if (n.kind == Kind.MAP || n.kind == Kind.ANY) {
            out.add(flat.substring(from));
            return true;
        }
        if (n.kind != Kind.OBJECT) {
            return false;
        }
        List<String> keys = new ArrayList<>(n.children.keySet());
        keys.sort(Comparator.comparingInt(String::length).reversed());
        for (String k : keys) {
            int end = from + k.length();
            if (flat.startsWith(k, from) && (end == flat.length() || flat.charAt(end) == '_')) {
                out.add(k);
                if (unflatten(n.children.get(k), flat, end == flat.length() ? end : end + 1, out)) {
                    return true;
                }
                out.remove(out.size() - 1);
            }
        }
        return false;
    }

    // ---- the schema itself ----

    private static Node obj(Object... pairs) {
        Map<String, Node> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i++) {
            String name = (String) pairs[i];
            if (i + 1 < pairs.length && pairs[i + 1] instanceof Node child) {
                m.put(name, child);
                i++;
            } else {
                m.put(name, LEAF);
            }
        }
        return new Node(Kind.OBJECT, Map.copyOf(m), null);
    }

    private static Node array(Node element) {
        return new Node(Kind.ARRAY, Map.of(), element);
    }

    private static Node map(Node element) {
        return new Node(Kind.MAP, Map.of(), element);
    }

    private static Node merge(Node a, Object... more) {
        Map<String, Node> m = new LinkedHashMap<>(a.children);
        m.putAll(obj(more).children);
        return new Node(Kind.OBJECT, Map.copyOf(m), null);
    }

    private static Node build() {
        Node image = obj("id", "name");
        Node container = obj("id", "name", "image", image, "start_time", "pid", "maybe_exec_probe",
                "security_context", obj("privileged"));
        Node pod = obj("namespace", "name", "uid", "container", container, "pod_labels", map(LEAF),
                "pod_annotations", map(LEAF), "workload", "workload_kind");
        Node namespace = obj("inum", "is_host");
        Node ns = obj("uts", namespace, "ipc", namespace, "mnt", namespace, "pid", namespace, "pid_for_children",
                namespace, "net", namespace, "time", namespace, "time_for_children", namespace, "cgroup", namespace,
                "user", namespace);
        Node caps = obj("permitted", array(LEAF), "effective", array(LEAF), "inheritable", array(LEAF));
        Node credentials = obj("uid", "gid", "euid", "egid", "suid", "sgid", "fsuid", "fsgid", "securebits",
                "caps", caps, "user_ns", ANY);
        Node process = obj("exec_id", "pid", "uid", "cwd", "binary", "arguments", "flags", "start_time", "auid",
                "pod", pod, "docker", "parent_exec_id", "refcnt", "tid", "cap", caps, "ns", ns,
                "process_credentials", credentials, "binary_properties", ANY, "user", obj("name"), "in_init_tree",
                "environment_variables", array(obj("key", "value")));
        Node file = obj("mount", "path", "flags", "permission");
        Node arg = obj("string_arg", "int_arg", "uint_arg", "long_arg", "size_arg", "bytes_arg",
                "truncated_bytes_arg", obj("bytes_arg", "orig_size"), "file_arg", file, "path_arg", file,
                "linux_binprm_arg", file,
                "sock_arg", obj("family", "type", "protocol", "mark", "priority", "saddr", "daddr", "sport", "dport",
                        "cookie", "state"),
                "skb_arg", ANY, "sockaddr_arg", obj("family", "addr", "port"), "net_dev_arg", obj("name"),
                "cred_arg", ANY, "process_credentials_arg", credentials, "user_ns_arg", ANY,
                "user_namespace_arg", ANY, "capability_arg", obj("value", "name"),
                "module_arg", obj("name", "signature_ok", "tainted", array(LEAF)),
                "bpf_attr_arg", ANY, "perf_event_arg", ANY, "bpf_map_arg", ANY, "bpf_cmd_arg", "syscall_id",
                obj("id", "abi"), "kernel_cap_t_arg", "cap_inheritable_arg", "cap_permitted_arg",
                "cap_effective_arg", "error_arg", "label");
        Node common = obj("process", process, "parent", process, "ancestors", array(process));
        Node hook = merge(common, "policy_name", "action", "message", "tags", array(LEAF), "args", array(arg));
        Node kubernetes = obj("pod_ref", "pod", obj("name", "uid", "ip"), "namespace", "namespace_labels",
                map(LEAF), "labels", map(LEAF), "annotations", map(LEAF), "node", obj("name", "labels", map(LEAF)),
                "service_account", "container", obj("name", "id", "image"), "workload", obj("kind", "name"));
        return obj(
                "process_exec", common,
                "process_exit", merge(common, "signal", "status", "time"),
                "process_kprobe", merge(hook, "function_name", "return", arg, "return_action",
                        "kernel_stack_trace", ANY, "user_stack_trace", ANY, "data", ANY),
                "process_tracepoint", merge(hook, "subsys", "event"),
                "process_uprobe", merge(hook, "path", "symbol", "offset", "ref_ctr_offset", "data", ANY),
                "process_lsm", merge(hook, "function_name", "ima_hash"),
                "process_usdt", ANY,
                "process_loader", merge(common, "path", "buildid"),
                "process_throttle", obj("type", "cgroup"),
                "rate_limit_info", obj("number_of_dropped_process_events"),
                // Isovalent Enterprise only, kept open
                "process_connect", ANY, "process_close", ANY, "process_listen", ANY,
                "node_name", LEAF, "time", LEAF, "cluster_name", LEAF, "node_labels", map(LEAF),
                "aggregation_info", ANY,
                // added by our own steps
                "kubernetes", kubernetes, "rule", ANY,
                // '*' = the body of whatever event type the line carries
                "*", merge(hook, "function_name", "return", arg, "return_action", "subsys", "event", "path",
                        "symbol", "offset", "signal", "status", "time", "ima_hash", "type", "cgroup", "buildid",
                        "number_of_dropped_process_events", "kernel_stack_trace", ANY, "user_stack_trace", ANY,
                        "data", ANY));
    }
}
