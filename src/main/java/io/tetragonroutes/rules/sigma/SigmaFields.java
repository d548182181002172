package io.tetragonroutes.rules.sigma;

import com.fasterxml.jackson.databind.JsonNode;
import io.tetragonroutes.event.TetragonEvent;
import io.tetragonroutes.rules.Condition;
import io.tetragonroutes.rules.FieldPath;
import io.tetragonroutes.rules.RuleLoader;
import io.tetragonroutes.rules.TextSource;
import io.tetragonroutes.rules.ValueTest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sigma's taxonomy on Tetragon events: which events each {@code logsource.category} is, and where each Sigma field
 * is read. This class is the table routes/README.md prints ("Sigma rules"); {@code SigmaFieldsDocTest} keeps the
 * two equal.
 */
public final class SigmaFields {

    /** A Sigma log source category and the Tetragon events it stands for. */
    public record Category(String name, List<String> eventTypes, Condition condition, String tetragon) {
    }

    /** A Sigma field, the categories it has a source in, where it is read and what it reads. */
    public record Field(String name, Set<String> categories, TextSource source, String tetragon) {
    }

    static final String PROCESS = "process_creation";
    static final String FILE = "file_event";
    static final String NETWORK = "network_connection";

    private static final TextSource TARGET_FILENAME = anyOf("TargetFilename", "*.args[*].file_arg.path",
            "*.args[*].path_arg.path", "*.args[*].linux_binprm_arg.path");
    private static final TextSource DESTINATION_IP = anyOf("DestinationIp", "*.args[*].sock_arg.daddr",
            "*.args[*].sockaddr_arg.addr");

    public static final Map<String, Category> CATEGORIES = categories();
    public static final Map<String, Field> FIELDS = fields();

    /** Sigma fields Tetragon cannot fill, with why: a rule using one is skipped. */
    public static final Map<String, String> NO_SOURCE = Map.of(
            "DestinationHostname", "Tetragon events carry addresses, not the host names that were resolved",
            "SourceHostname", "Tetragon events carry addresses, not host names",
            "OriginalFileName", "a Windows PE header field",
            "Hashes", "Tetragon hashes binaries only with IMA policies, not as Sigma's Hashes field");

    private SigmaFields() {
    }

    private static Map<String, Category> categories() {
        Map<String, Category> m = new LinkedHashMap<>();
        m.put(PROCESS, new Category(PROCESS, List.of("process_exec"),
                RuleLoader.fieldCondition("type", "equals", "process_exec", false),
                "`process_exec`: every program started, with Tetragon's default configuration"));
        m.put(FILE, new Category(FILE, List.of("process_kprobe", "process_lsm"),
                new Condition.All(List.of(RuleLoader.fieldCondition("type", "in", List.of("process_kprobe",
                        "process_lsm"), false), exists(TARGET_FILENAME))),
                "`process_kprobe` and `process_lsm` events with a `file_arg`, `path_arg` or `linux_binprm_arg`: "
                        + "a file-monitoring tracing policy (`security_file_permission`, `security_path_*`, "
                        + "`security_file_open`, `fd_install`, ...)"));
        m.put(NETWORK, new Category(NETWORK, List.of("process_kprobe", "process_lsm"),
                new Condition.All(List.of(RuleLoader.fieldCondition("type", "in", List.of("process_kprobe",
                        "process_lsm"), false), exists(DESTINATION_IP))),
                "`process_kprobe` and `process_lsm` events with a `sock_arg` or `sockaddr_arg`: a network "
                        + "tracing policy (`tcp_connect`, `security_socket_connect`, `tcp_close`, ...)"));
        return Map.copyOf(m);
    }

    private static Map<String, Field> fields() {
        Set<String> all = Set.of(PROCESS, FILE, NETWORK);
        Map<String, Field> m = new LinkedHashMap<>();
        Kept image = new Cached("Image", "*.process.binary");
        Kept parentImage = new Cached("ParentImage", "*.parent.binary");
        put(m, "Image", all, image, "`process.binary`");
        put(m, "CommandLine", all, new CommandLine("CommandLine", image, "*.process.arguments"),
                "`process.binary` and `process.arguments` joined by a space, and the binary's base name and the "
                        + "arguments (Tetragon does not keep argv[0] as typed): either may match");
        put(m, "ParentImage", all, parentImage, "`parent.binary`");
        put(m, "ParentCommandLine", all, new CommandLine("ParentCommandLine", parentImage, "*.parent.arguments"),
                "as `CommandLine`, of `parent`");
        put(m, "CurrentDirectory", all, new Directory(), "`process.cwd`, without the trailing `/` Tetragon adds");
        put(m, "User", all, new User(), "`process.user.name` when Tetragon resolved it, else `process.uid`; "
                + "uid 0 is also `root`");
        put(m, "LogonId", all, anyOf("LogonId", "*.process.auid"), "`process.auid` (the login uid; "
                + "4294967295 when unset)");
        put(m, "ProcessId", all, anyOf("ProcessId", "*.process.pid"), "`process.pid`");
        put(m, "ParentProcessId", all, anyOf("ParentProcessId", "*.parent.pid"), "`parent.pid`");
        put(m, "TargetFilename", Set.of(FILE), TARGET_FILENAME,
                "`args[].file_arg.path`, `path_arg.path`, `linux_binprm_arg.path`");
        put(m, "DestinationIp", Set.of(NETWORK), DESTINATION_IP, "`args[].sock_arg.daddr`, `sockaddr_arg.addr`");
        put(m, "DestinationPort", Set.of(NETWORK), anyOf("DestinationPort", "*.args[*].sock_arg.dport",
                "*.args[*].sockaddr_arg.port"), "`args[].sock_arg.dport`, `sockaddr_arg.port`");
        put(m, "SourceIp", Set.of(NETWORK), anyOf("SourceIp", "*.args[*].sock_arg.saddr"), "`args[].sock_arg.saddr`");
        put(m, "SourcePort", Set.of(NETWORK), anyOf("SourcePort", "*.args[*].sock_arg.sport"),
                "`args[].sock_arg.sport`");
        put(m, "Initiated", Set.of(NETWORK), new Initiated(), "`true` for " + String.join(", ",
                Initiated.OUT) + "; `false` for " + String.join(", ", Initiated.IN) + "; no value for other "
                + "functions");
        return Collections.unmodifiableMap(m);
    }

    private static void put(Map<String, Field> m, String name, Set<String> categories, TextSource s, String doc) {
        m.put(name, new Field(name, categories, s, doc));
    }

    private static Condition exists(TextSource s) {
        return new SigmaTest(s, v -> true, null, "exists");
    }

    /**
     * The text values at one or more paths, read once per event and kept with it: several indexes (a suffix, a
     * prefix, substrings) and rules read the same Sigma field of the same event.
     */
    static TextSource anyOf(String name, String... paths) {
        return new Cached(name, paths);
    }

    /** A Sigma field's text values, computed once per event and kept with it for the other readers. */
    abstract static class Kept implements TextSource {
        static final String[] NONE = new String[0];
        private final String name;
        private final int slot = TetragonEvent.derivedSlot();

        Kept(String name) {
            this.name = name;
        }

        abstract String[] values(TetragonEvent e);

        @Override
        public String text() {
            return "sigma:" + name;
        }

        /** The values for {@code e}: computed on the first call for the event, then kept with it. */
        final String[] kept(TetragonEvent e) {
            Object kept = e.derived(slot);
            if (kept != null) {
                return (String[]) kept;
            }
            String[] values = values(e);
            e.derived(slot, values);
            return values;
        }

        @Override
        public boolean anyText(TetragonEvent e, TextTest test) {
            for (String v : kept(e)) {
                if (test.test(v)) {
                    return true;
                }
            }
            return false;
        }

    }

    static final class Cached extends Kept {
        private final FieldPath[] paths;

        Cached(String name, String... paths) {
            super(name);
            this.paths = new FieldPath[paths.length];
            for (int i = 0; i < paths.length; i++) {
                this.paths[i] = FieldPath.compile(paths[i]);
            }
        }

        @Override
        String[] values(TetragonEvent e) {
            if (paths.length == 1) {
                JsonNode only = paths[0].first(e);
                if (only == null) {
                    return NONE;
                }
                String t = ValueTest.text(only);
                if (t != null && !(paths[0].text().contains("[*]"))) {
                    return new String[] {t};
                }
            }
            List<String> out = new ArrayList<>(2);
            for (FieldPath p : paths) {
                p.anyText(e, t -> {
                    out.add(t);
                    return false;
                });
            }
            return out.toArray(NONE);
        }
    }

    /**
     * {@code binary + " " + arguments} and {@code basename(binary) + " " + arguments}, built once per event and
     * kept with it for every rule and index that reads them.
     */
    static final class CommandLine implements TextSource {
        private final String name;
        /** The binary, as its Sigma field kept it for this event. */
        private final Kept binary;
        private final FieldPath arguments;
        private final int slot = TetragonEvent.derivedSlot();

        CommandLine(String name, Kept binary, String arguments) {
            this.name = name;
            this.binary = binary;
            this.arguments = FieldPath.compile(arguments);
        }

        @Override
        public String text() {
            return "sigma:" + name;
        }

        @Override
        public boolean anyText(TetragonEvent e, TextTest test) {
            String[] forms = forms(e);
            for (String f : forms) {
                if (test.test(f)) {
                    return true;
                }
            }
            return false;
        }

        /** The path form only: the base-name form is a suffix of it, so it holds all its substrings and suffixes. */
        @Override
        public boolean anyCovering(TetragonEvent e, TextTest test) {
            String[] forms = forms(e);
            return forms.length > 0 && test.test(forms[0]);
        }

        private String[] forms(TetragonEvent e) {
            Object kept = e.derived(slot);
            if (kept != null) {
                return (String[]) kept;
            }
            String[] forms = build(e);
            e.derived(slot, forms);
            return forms;
        }

        private String[] build(TetragonEvent e) {
            String[] b = binary.kept(e);
            if (b.length == 0) {
                return b;
            }
            String bin = b[0];
            JsonNode a = arguments.first(e);
            String args = a == null || !a.isTextual() || a.textValue().isEmpty() ? null : a.textValue();
            int slash = bin.lastIndexOf('/');
            String base = slash < 0 || slash == bin.length() - 1 ? null : bin.substring(slash + 1);
            String full = args == null ? bin : bin + ' ' + args;
            if (base == null) {
                return new String[] {full};
            }
            return new String[] {full, args == null ? base : base + ' ' + args};
        }
    }

    /** {@code process.cwd} as Sigma writes directories: no trailing slash (but {@code /} itself). */
    static final class Directory extends Kept {
        private final FieldPath cwd = FieldPath.compile("*.process.cwd");

        Directory() {
            super("CurrentDirectory");
        }

        @Override
        String[] values(TetragonEvent e) {
            JsonNode n = cwd.first(e);
            if (n == null || !n.isTextual()) {
                return NONE;
            }
            String d = n.textValue();
            return new String[] {d.length() > 1 && d.endsWith("/") ? d.substring(0, d.length() - 1) : d};
        }
    }

    /** The user's name when Tetragon resolved it, else the uid as text; uid 0 also reads as {@code root}. */
    static final class User extends Kept {
        private static final String[] ROOT = {"0", "root"};
        private final FieldPath name = FieldPath.compile("*.process.user.name");
        private final FieldPath uid = FieldPath.compile("*.process.uid");

        User() {
            super("User");
        }

        @Override
        String[] values(TetragonEvent e) {
            JsonNode n = name.first(e);
            if (n != null && n.isTextual() && !n.textValue().isEmpty()) {
                return new String[] {n.textValue()};
            }
            JsonNode u = uid.first(e);
            if (u == null || !u.isValueNode()) {
                return NONE;
            }
            String t = u.asText();
            return t.equals("0") ? ROOT : new String[] {t};
        }
    }

    /** Whether the process opened the connection: from the kernel function the policy hooks. */
    static final class Initiated implements TextSource {
        static final List<String> OUT = List.of("tcp_connect", "security_socket_connect", "__sys_connect",
                "ip4_datagram_connect", "ip6_datagram_connect");
        static final List<String> IN = List.of("inet_csk_accept", "security_socket_accept", "__sys_accept4");

        @Override
        public String text() {
            return "sigma:Initiated";
        }

        @Override
        public boolean anyText(TetragonEvent e, TextTest test) {
            String fn = e.functionName();
            if (fn == null) {
                return false;
            }
            if (OUT.contains(fn)) {
                return test.test("true");
            }
            return IN.contains(fn) && test.test("false");
        }
    }
}
