package io.tetragonroutes.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.tetragonroutes.event.FieldDemand;
import io.tetragonroutes.event.TetragonEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * A compiled field reference, checked against {@link FieldSchema} once at load. Forms:
 * <ul>
 *   <li>{@code process_kprobe.args[*].file_arg.path}: the line as Tetragon writes it; {@code [*]} is any element,
 *       {@code [0]} one element, {@code ["app.kubernetes.io/name"]} a key with dots. A name that meets an array
 *       looks into every element, so {@code [*]} may be left out.</li>
 *   <li>{@code *.process.binary}: the body of whatever event type the line carries.</li>
 *   <li>{@code type}: the event type key ({@code process_exec}, ...).</li>
 *   <li>{@code kubernetes.labels.app}: fields our own steps added.</li>
 *   <li>{@code process_kprobe_process_arguments}: a Parseable flattened column name.</li>
 * </ul>
 * A path can reach several values (array elements); a condition holds when any of them passes its test.
 */
public final class FieldPath implements TextSource {

    private static final int NAME = 0;
    private static final int EACH = 1;
    private static final int INDEX = 2;

    private final String text;
    private final boolean body;
    private final boolean type;
    private final String[] names;
    private final int[] kinds;
    private final int[] indexes;
    /** The event type key the path is rooted in, or null ({@code *}, top-level fields, extras). */
    private final String eventKey;
    /** The parser's demand version that has this path (see {@link FieldDemand}). */
    private final int demand;

    private FieldPath(String text, boolean body, boolean type, List<String> names, List<Integer> kinds,
                      List<Integer> indexes, String eventKey) {
        this.text = text;
        this.body = body;
        this.type = type;
        this.names = names.toArray(String[]::new);
        this.kinds = kinds.stream().mapToInt(Integer::intValue).toArray();
        this.indexes = indexes.stream().mapToInt(Integer::intValue).toArray();
        this.eventKey = eventKey;
        this.demand = type ? 0 : register();
    }

    /** Asks the parser to keep this path in its partial tree from now on. */
    private int register() {
        List<String> steps = new ArrayList<>(names.length);
        for (int i = eventKey != null ? 1 : 0; i < names.length; i++) {
            steps.add(kinds[i] == NAME ? names[i] : null);
        }
        return FieldDemand.require(body || eventKey != null ? FieldDemand.Root.BODY : FieldDemand.Root.TOP, steps);
    }

    /** Compiles and checks a path; throws {@link IllegalArgumentException} with what is wrong. */
    public static FieldPath compile(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty field path");
        }
        if (text.equals("type")) {
            return new FieldPath(text, false, true, List.of(), List.of(), List.of(), null);
        }
        List<String> names = new ArrayList<>();
        List<Integer> kinds = new ArrayList<>();
        List<Integer> indexes = new ArrayList<>();
        boolean dotted = text.indexOf('.') >= 0 || text.indexOf('[') >= 0 || FieldSchema.child(FieldSchema.root(), text) != null;
        if (dotted) {
            parseDotted(text, names, kinds, indexes);
        } else {
            List<String> parts = FieldSchema.unflatten(text);
            if (parts == null) {
                throw new IllegalArgumentException("unknown field '" + text + "': not a path (a.b[*].c) and no "
                        + "reading of it as a flattened name fits Tetragon's fields; top-level fields are "
                        + FieldSchema.known(FieldSchema.root()));
            }
            for (String p : parts) {
                names.add(p);
                kinds.add(NAME);
                indexes.add(-1);
            }
        }
        check(text, names, kinds);
        boolean body = names.get(0).equals("*");
        if (body) {
            names.remove(0);
            kinds.remove(0);
            indexes.remove(0);
        }
        String first = body || names.isEmpty() ? null : names.get(0);
        String eventKey = first != null && first.startsWith("process_") || "rate_limit_info".equals(first) ? first : null;
        return new FieldPath(text, body, false, names, kinds, indexes, eventKey);
    }

    private static void parseDotted(String text, List<String> names, List<Integer> kinds, List<Integer> indexes) {
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '.') {
                if (i == 0 || i == n - 1 || text.charAt(i + 1) == '.') {
                    throw new IllegalArgumentException("bad field path '" + text + "': empty name at " + i);
                }
                i++;
            } else if (c == '[') {
                int close = text.indexOf(']', i);
                if (close < 0) {
                    throw new IllegalArgumentException("bad field path '" + text + "': '[' without ']'");
                }
                String inner = text.substring(i + 1, close).trim();
                if (inner.equals("*")) {
                    names.add(null);
                    kinds.add(EACH);
                    indexes.add(-1);
                } else if (inner.length() >= 2 && (inner.charAt(0) == '"' || inner.charAt(0) == '\'')
                        && inner.charAt(inner.length() - 1) == inner.charAt(0)) {
                    names.add(inner.substring(1, inner.length() - 1));
                    kinds.add(NAME);
                    indexes.add(-1);
                } else {
                    try {
                        indexes.add(Integer.parseInt(inner));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("bad field path '" + text + "': [" + inner
                                + "] is neither [*], [<number>] nor [\"key\"]");
                    }
                    names.add(null);
                    kinds.add(INDEX);
                }
                i = close + 1;
            } else {
                int end = i;
                while (end < n && text.charAt(end) != '.' && text.charAt(end) != '[') {
                    end++;
                }
                names.add(text.substring(i, end));
                kinds.add(NAME);
                indexes.add(-1);
                i = end;
            }
        }
    }

    private static void check(String text, List<String> names, List<Integer> kinds) {
        FieldSchema.Node node = FieldSchema.root();
        StringBuilder at = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            FieldSchema.Node next = kinds.get(i) == NAME ? FieldSchema.child(node, names.get(i))
                    : FieldSchema.elements(node);
            if (next == null) {
                String what = kinds.get(i) == NAME ? "'" + names.get(i) + "'" : "an array index";
                throw new IllegalArgumentException("unknown field path '" + text + "': " + what + " is not a field of "
                        + (at.length() == 0 ? "the event" : "'" + at + "'") + "; known there: "
                        + FieldSchema.known(node));
            }
            at.append(at.length() == 0 || kinds.get(i) != NAME ? "" : ".")
                    .append(kinds.get(i) == NAME ? names.get(i) : "[]");
            node = next;
        }
    }

    @Override
    public String text() {
        return text;
    }

    @Override
    public boolean anyText(TetragonEvent e, TextTest test) {
        return anyMatch(e, v -> {
            String t = ValueTest.text(v);
            return t != null && test.test(t);
        });
    }

    @Override
    public EventTest bind(TextTest test, boolean covering) {
        ValueTest v = n -> {
            String t = ValueTest.text(n);
            return t != null && test.test(t);
        };
        return e -> anyMatch(e, v);
    }

    /** The event type key this path can only exist in ({@code process_kprobe.…}), or null. */
    String eventKey() {
        return eventKey;
    }

    boolean isType() {
        return type;
    }

    /** Whether any value at this path passes {@code test}. Missing fields and JSON nulls pass nothing. */
    public boolean anyMatch(TetragonEvent e, ValueTest test) {
        if (type) {
            return test.test(e.typeNode());
        }
        if (body) {
            return walk(e.body(demand), 0, test);
        }
        JsonNode start = e.tree(demand).get(names[0]);
        if (start == null && e.hasExtras()) {
            start = e.extras().get(names[0]);
        }
        return walk(start, 1, test);
    }

    /** The first value at this path, or null (for messages and keys). */
    public JsonNode first(TetragonEvent e) {
        if (type) {
            return e.typeNode();
        }
        if (body) {
            return first(e.body(demand), 0);
        }
        JsonNode start = e.tree(demand).get(names[0]);
        if (start == null && e.hasExtras()) {
            start = e.extras().get(names[0]);
        }
        return first(start, 1);
    }

    /** {@link #walk} for the first value, without a test object. */
    private JsonNode first(JsonNode n, int i) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (i == names.length) {
            if (n.isArray()) {
                for (int k = 0; k < n.size(); k++) {
                    if (!n.get(k).isNull()) {
                        return n.get(k);
                    }
                }
                return null;
            }
            return n;
        }
        switch (kinds[i]) {
            case NAME:
                if (n.isArray()) {
                    for (int k = 0; k < n.size(); k++) {
                        JsonNode f = first(n.get(k), i);
                        if (f != null) {
                            return f;
                        }
                    }
                    return null;
                }
                return first(n.get(names[i]), i + 1);
            case EACH:
                if (!n.isArray()) {
                    return null;
                }
                for (int k = 0; k < n.size(); k++) {
                    JsonNode f = first(n.get(k), i + 1);
                    if (f != null) {
                        return f;
                    }
                }
                return null;
            default:
                return first(n.get(indexes[i]), i + 1);
        }
    }

    private boolean walk(JsonNode n, int i, ValueTest test) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return false;
        }
        if (i == names.length) {
            if (n.isArray()) {
                for (int k = 0; k < n.size(); k++) {
                    JsonNode el = n.get(k);
                    if (!el.isNull() && test.test(el)) {
                        return true;
                    }
                }
                return false;
            }
            return test.test(n);
        }
        switch (kinds[i]) {
            case NAME:
                if (n.isArray()) {
                    for (int k = 0; k < n.size(); k++) {
                        if (walk(n.get(k), i, test)) {
                            return true;
                        }
                    }
                    return false;
                }
                return walk(n.get(names[i]), i + 1, test);
            case EACH:
                if (!n.isArray()) {
                    return false;
                }
                for (int k = 0; k < n.size(); k++) {
                    if (walk(n.get(k), i + 1, test)) {
                        return true;
                    }
                }
                return false;
            default:
                return walk(n.get(indexes[i]), i + 1, test);
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
