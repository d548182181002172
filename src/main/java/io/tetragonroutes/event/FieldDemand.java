package io.tetragonroutes.event;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which parts of an event line the hot path reads, so the parser builds only those into a tree and skips the rest
 * (still validating it). Rules add their field paths when they are compiled; the event's own accessors add theirs
 * here. Demand only grows, and each growth is a new version: an event parsed under version {@code v} has every path
 * registered at or before {@code v}. A path registered later (a rules reload) is read from the event's full tree
 * instead, which is parsed on first use, so a demand never makes a result wrong, only slower.
 * <p>
 * It is process-wide, like Jackson's symbol tables: the set of paths is bounded by the rules ever loaded.
 */
public final class FieldDemand {

    /**
     * A trie node: the names wanted below it, or the whole value. The parser asks it about every member name of the
     * objects it enters, and most are not wanted: the names sit in an open-addressing table (at most half full) with
     * their hashes, so a miss usually ends on an empty slot, and a hit on the parser's interned name is an identity
     * check.
     */
    public static final class Node {
        static final Node WHOLE = new Node(Map.of(), true);

        private final String[] names;
        private final int[] hashes;
        private final Node[] nodes;
        private final int mask;
        private final boolean whole;

        private Node(Map<String, Node> children, boolean whole) {
            this.whole = whole;
            int size = Integer.highestOneBit(Math.max(1, children.size()) * 4 - 1);
            this.names = new String[size];
            this.hashes = new int[size];
            this.nodes = new Node[size];
            this.mask = size - 1;
            for (Map.Entry<String, Node> e : children.entrySet()) {
                String name = e.getKey().intern(); // Jackson interns member names: a hit is ==
                int h = spread(name.hashCode());
                int i = h & mask;
                while (names[i] != null) {
                    i = (i + 1) & mask;
                }
                names[i] = name;
                hashes[i] = h;
                nodes[i] = e.getValue();
            }
        }

        private static int spread(int h) {
            return h ^ (h >>> 16);
        }

        boolean whole() {
            return whole;
        }

        /** The demand under {@code name}, or null when nothing there is wanted. */
        Node child(String name) {
            if (whole) {
                return WHOLE;
            }
            int h = spread(name.hashCode());
            for (int i = h & mask; ; i = (i + 1) & mask) {
                String n = names[i];
                if (n == null) {
                    return null;
                }
                if (n == name || (hashes[i] == h && n.equals(name))) {
                    return nodes[i];
                }
            }
        }
    }

    /** One version of the demand: the trie for top-level fields and the one for the event body. */
    record Snapshot(int version, Node top, Node body) {
    }

    /** Where a path starts: at the top of the line, or in the event body (the object under the event key). */
    public enum Root { TOP, BODY }

    /** One registered path: member names from {@code root}, null for an array step. */
    record Path(Root root, List<String> names) {
        Path {
            names = Collections.unmodifiableList(new ArrayList<>(names)); // may hold nulls
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(root == Root.TOP ? "" : "*");
            for (String n : names) {
                b.append(n == null ? "[]" : (b.length() == 0 ? "" : ".") + n);
            }
            return b.toString();
        }
    }

    private static final Map<Path, Integer> REGISTERED = new LinkedHashMap<>();
    private static volatile Snapshot current = new Snapshot(0, Node.WHOLE, Node.WHOLE);

    static {
        // What TetragonEvent's accessors, enrichment, Kafka keys and throttle keys read.
        for (Path p : base()) {
            require(p.root(), p.names());
        }
    }

    private FieldDemand() {
    }

    /** The paths TetragonEvent's own accessors read. */
    static List<Path> base() {
        return List.of(
                new Path(Root.TOP, List.of("node_name")),
                new Path(Root.TOP, List.of("time")),
                new Path(Root.TOP, List.of("cluster_name")),
                new Path(Root.BODY, List.of("function_name")),
                new Path(Root.BODY, List.of("policy_name")),
                new Path(Root.BODY, List.of("process", "binary")),
                new Path(Root.BODY, List.of("process", "docker")),
                new Path(Root.BODY, List.of("process", "pod", "namespace")),
                new Path(Root.BODY, List.of("process", "pod", "name")),
                new Path(Root.BODY, List.of("process", "pod", "uid")),
                new Path(Root.BODY, List.of("process", "pod", "container", "id")));
    }

    static Snapshot current() {
        return current;
    }

    /**
     * Registers a path: object member names from {@code root}; a null name stands for an array step
     * ({@code [*]} or {@code [n]}). Arrays keep all their elements, each cut down to what the names after the step
     * ask for, so an index means the same element in the partial tree. Returns the first version that has it.
     */
    public static synchronized int require(Root root, List<String> names) {
        Path path = new Path(root, names);
        Integer had = REGISTERED.get(path);
        if (had != null) {
            return had;
        }
        int version = current.version() + 1;
        REGISTERED.put(path, version);
        current = snapshot(version, REGISTERED.keySet());
        return version;
    }

    /** The tries for a set of paths. */
    static Snapshot snapshot(int version, Collection<Path> paths) {
        Map<String, Object> top = new HashMap<>();
        Map<String, Object> body = new HashMap<>();
        for (Path p : paths) {
            Map<String, Object> at = p.root() == Root.TOP ? top : body;
            for (String name : p.names()) {
                if (name == null) {
                    continue; // an array step: the parser applies the same demand to every element
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> next = (Map<String, Object>) at.computeIfAbsent(name, n -> new HashMap<>());
                at = next;
            }
            at.put("", Boolean.TRUE);
        }
        return new Snapshot(version, freeze(top), freeze(body));
    }

    /** "" -> TRUE marks a node whose whole value is wanted. */
    private static Node freeze(Map<String, Object> m) {
        if (m.containsKey("")) {
            return Node.WHOLE;
        }
        Map<String, Node> children = new HashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> sub = (Map<String, Object>) e.getValue();
            children.put(e.getKey(), freeze(sub));
        }
        return new Node(children, false);
    }

    /** The paths registered so far, for tests and diagnostics. */
    static synchronized List<Path> paths() {
        return List.copyOf(REGISTERED.keySet());
    }
}
