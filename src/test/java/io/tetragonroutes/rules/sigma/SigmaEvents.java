package io.tetragonroutes.rules.sigma;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tetragonroutes.Samples;
import io.tetragonroutes.rules.sigma.SigmaLoader.Item;
import io.tetragonroutes.rules.sigma.SigmaLoader.SigmaRule;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds, from a Sigma rule as written, the Tetragon export line that a given set of its search identifiers
 * should make true: each selection's first alternative, every value of an {@code all}, the first value otherwise,
 * placed as its modifier says (a suffix at the end, a substring in the middle, a regex by an example of it). The
 * line starts from a real sample of the rule's category, with neutral values in the fields no true identifier sets.
 * Independent of the compiled rule: it reads the rule's YAML items, not its conditions.
 */
final class SigmaEvents {

    static final Path SIGMA = Path.of(System.getProperty("tetragon.sigma", "../shared/sigma")).toAbsolutePath().normalize();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SigmaEvents() {
    }

    /** The wanted value of one field: an exact value, or prefixes, substrings and suffixes put together. */
    private static final class Want {
        String exact;
        final List<String> prefixes = new ArrayList<>();
        final List<String> middles = new ArrayList<>();
        final List<String> suffixes = new ArrayList<>();

        String value() {
            if (exact != null) {
                return exact;
            }
            return String.join("", prefixes) + String.join(" ", middles) + String.join("", suffixes);
        }

        boolean anchoredStart() {
            return exact != null || !prefixes.isEmpty();
        }
    }

    /** Field values that make the identifiers in {@code on} true (null values: the field absent). */
    static Map<String, String> values(SigmaRule rule, Set<String> on) {
        Map<String, Want> wants = new LinkedHashMap<>();
        for (String id : rule.detection().keySet()) {
            if (!on.contains(id)) {
                continue;
            }
            for (Item it : rule.detection().get(id).get(0)) {
                String field = it.field() == null ? "CommandLine" : it.field();
                Want w = wants.computeIfAbsent(field, k -> new Want());
                List<Object> vs = it.modifiers().contains("all") ? it.values() : List.of(firstValue(it.values()));
                for (Object v : vs) {
                    place(w, it.modifiers(), v);
                }
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        wants.forEach((f, w) -> out.put(f, w.value()));
        out.put("#commandline-anchored", String.valueOf(wants.containsKey("CommandLine") && wants.get("CommandLine").anchoredStart()));
        out.put("#parentcommandline-anchored", String.valueOf(wants.containsKey("ParentCommandLine")
                && wants.get("ParentCommandLine").anchoredStart()));
        return out;
    }

    private static Object firstValue(List<Object> values) {
        return values.get(0);
    }

    private static void place(Want w, List<String> modifiers, Object v) {
        if (v == null) {
            return; // null: the field is left out
        }
        String text = v instanceof Double d && d == Math.rint(d) ? String.valueOf(d.longValue()) : String.valueOf(v);
        if (modifiers.contains("re")) {
            w.middles.add(RegexExample.of(text));
        } else if (modifiers.contains("cidr")) {
            w.exact = firstHost(text);
        } else if (modifiers.contains("exists")) {
            if (Boolean.TRUE.equals(v) && w.exact == null && w.middles.isEmpty()) {
                w.middles.add("present");
            }
        } else if (modifiers.contains("gt") || modifiers.contains("gte")) {
            w.exact = String.valueOf(((Number) v).longValue() + 1);
        } else if (modifiers.contains("lt") || modifiers.contains("lte")) {
            w.exact = String.valueOf(((Number) v).longValue() - 1);
        } else if (modifiers.contains("contains")) {
            w.middles.add(plain(text));
        } else if (modifiers.contains("startswith")) {
            w.prefixes.add(plain(text));
        } else if (modifiers.contains("endswith")) {
            w.suffixes.add(plain(text));
        } else {
            w.exact = plain(text);
        }
    }

    /** A text a Sigma value with wildcards matches: {@code *} as nothing, {@code ?} as one letter, escapes resolved. */
    static String plain(String v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length() && "*?\\".indexOf(v.charAt(i + 1)) >= 0) {
                sb.append(v.charAt(++i));
            } else if (c == '?') {
                sb.append('x');
            } else if (c != '*') {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String firstHost(String cidr) {
        String net = cidr.contains("/") ? cidr.substring(0, cidr.indexOf('/')) : cidr;
        if (net.contains(":")) {
            return net.endsWith("::") ? net + "1" : net;
        }
        String[] o = net.split("\\.");
        return o[0] + "." + o[1] + "." + o[2] + "." + (Integer.parseInt(o[3]) + 1);
    }

    /** The export line for a rule's category carrying {@code values} (see {@link #values}). */
    static String line(String category, Map<String, String> values) {
        try {
            return switch (category) {
                case "process_creation" -> exec(values);
                case "file_event" -> file(values);
                case "network_connection" -> network(values);
                default -> throw new IllegalArgumentException(category);
            };
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode sample(String file, String type, java.util.function.Predicate<JsonNode> which) throws Exception {
        for (String l : Samples.lines("events/" + file)) {
            ObjectNode n = (ObjectNode) MAPPER.readTree(l);
            if (n.has(type) && which.test(n.get(type))) {
                return n;
            }
        }
        throw new IllegalStateException("no sample in " + file);
    }

    private static String exec(Map<String, String> v) throws Exception {
        ObjectNode n = sample("process_exec.jsonl", "process_exec", b -> b.has("parent") && b.path("process").has("pod"));
        ObjectNode body = (ObjectNode) n.get("process_exec");
        process((ObjectNode) body.get("process"), v, "Image", "CommandLine", "/opt/neutral/app", "--serve");
        process((ObjectNode) body.get("parent"), v, "ParentImage", "ParentCommandLine", "/opt/neutral/init", "");
        return MAPPER.writeValueAsString(n);
    }

    /** Sets binary and arguments so that "binary args" or "basename args" is the wanted command line. */
    private static void process(ObjectNode p, Map<String, String> v, String image, String commandLine, String neutral,
                                String neutralArgs) {
        String bin = v.getOrDefault(image, neutral);
        String args = neutralArgs;
        String cl = v.get(commandLine);
        if (cl != null) {
            boolean anchored = Boolean.parseBoolean(v.get("#" + commandLine.toLowerCase() + "-anchored"));
            if (anchored) {
                int sp = cl.indexOf(' ');
                String first = sp < 0 ? cl : cl.substring(0, sp);
                String rest = sp < 0 ? "" : cl.substring(sp + 1);
                if (!v.containsKey(image)) {
                    bin = first.contains("/") ? first : "/usr/bin/" + first;
                }
                args = rest;
            } else {
                args = cl;
            }
        }
        p.put("binary", bin);
        if (args.isEmpty()) {
            p.remove("arguments");
        } else {
            p.put("arguments", args);
        }
        if (p.has("cwd") || image.equals("Image")) {
            if (image.equals("Image")) {
                String dir = v.get("CurrentDirectory");
                p.put("cwd", dir == null ? "/srv/" : dir.endsWith("/") ? dir : dir + "/");
                String user = v.get("User");
                if (user != null) {
                    p.remove("user");
                    if (user.equalsIgnoreCase("root") || user.equals("0")) {
                        p.put("uid", 0);
                    } else if (user.chars().allMatch(Character::isDigit)) {
                        p.put("uid", Long.parseLong(user));
                    } else {
                        p.put("uid", 1000);
                        p.putObject("user").put("name", user);
                    }
                } else {
                    p.put("uid", 1000);
                    p.remove("user");
                }
                String logon = v.get("LogonId");
                p.put("auid", logon == null ? 4294967295L : Long.parseLong(logon));
            }
        }
    }

    private static String file(Map<String, String> v) throws Exception {
        ObjectNode n = sample("process_kprobe.jsonl", "process_kprobe",
                b -> "security_file_permission".equals(b.path("function_name").asText()));
        ObjectNode body = (ObjectNode) n.get("process_kprobe");
        process((ObjectNode) body.get("process"), v, "Image", "CommandLine", "/opt/neutral/app", "--serve");
        ((ObjectNode) body.get("args").get(0).get("file_arg")).put("path", v.getOrDefault("TargetFilename",
                "/var/lib/neutral/data.db"));
        return MAPPER.writeValueAsString(n);
    }

    private static String network(Map<String, String> v) throws Exception {
        ObjectNode n = sample("process_kprobe.jsonl", "process_kprobe",
                b -> "tcp_connect".equals(b.path("function_name").asText()));
        ObjectNode body = (ObjectNode) n.get("process_kprobe");
        process((ObjectNode) body.get("process"), v, "Image", "CommandLine", "/opt/neutral/app", "--serve");
        body.put("function_name", "false".equalsIgnoreCase(v.get("Initiated")) ? "inet_csk_accept" : "tcp_connect");
        ArrayNode args = body.putArray("args");
        ObjectNode sock = args.addObject().putObject("sock_arg");
        sock.put("family", "AF_INET").put("type", "SOCK_STREAM").put("protocol", "IPPROTO_TCP")
                .put("saddr", "10.244.0.7").put("daddr", v.getOrDefault("DestinationIp", "203.0.113.7"))
                .put("sport", 40112).put("dport", Integer.parseInt(v.getOrDefault("DestinationPort", "443")));
        return MAPPER.writeValueAsString(n);
    }
}
