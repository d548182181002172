package io.tetragonroutes.sink.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.event.TetragonEvent;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ECS fields Elastic Security reads, beyond what the integration's pipeline fills (issue #29), on real sample
 * lines where Tetragon has the value and on lines shaped as Tetragon's proto describes where no real one exists
 * (sockets). Each expected value is read off the line by hand, not computed the way the writer computes it.
 */
class EcsFieldsTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final EventParser parser = new EventParser(mapper, new SimpleMeterRegistry());
    private final EcsDocument ecs = new EcsDocument(false, "logs-cilium_tetragon.log-default");

    @Test
    void anExecInAPod() throws IOException {
        JsonNode d = doc(sample("elastic/test-cilium-tetragon-log.log", "\"local-path-provisioner\""));
        assertEquals("event", d.at("/event/kind").asText());
        assertEquals(List.of("process"), texts(d.at("/event/category")));
        assertEquals(List.of("start"), texts(d.at("/event/type")));
        assertEquals("local-path-provisioner", d.at("/process/name").asText());
        assertEquals("/usr/local/bin/local-path-provisioner --debug start --helper-image "
                + "docker.io/kindest/local-path-helper:v20230510-486859a6 --config /etc/config/config.json",
                d.at("/process/command_line").asText());
        assertEquals("/usr/local/bin/local-path-provisioner", d.at("/process/args/0").asText());
        assertEquals(7, d.at("/process/args_count").asInt());
        assertEquals("0", d.at("/process/user/id").asText());
        assertEquals("0", d.at("/user/id").asText());
        assertEquals("containerd-shim-runc-v2", d.at("/process/parent/name").asText());
        assertEquals("linux", d.at("/host/os/type").asText());
        assertEquals("kind-control-plane", d.at("/host/name").asText());
        assertEquals("aac7662884b96b0351a3529cf7c38311a48b74681a632135c91879f43da12d61", d.at("/container/id").asText());
        assertEquals("containerd", d.at("/container/runtime").asText());
        assertEquals("docker.io/kindest/local-path-provisioner:v20240813-c6f155d6", d.at("/container/image/name").asText());
        assertEquals(List.of("v20240813-c6f155d6"), texts(d.at("/container/image/tag")));
        assertEquals(List.of("sha256:282f619d10d4dda6c93fe329249dca6155c9deff5e96eef4420b6f6c30ff5a83"),
                texts(d.at("/container/image/hash/all")));
        assertEquals("kubernetes", d.at("/orchestrator/type").asText());
        assertEquals("pod", d.at("/orchestrator/resource/type").asText());
        assertEquals("Deployment", d.at("/orchestrator/resource/parent/type").asText());
        assertEquals(List.of("app:local-path-provisioner", "pod-template-hash:57c5987fd4"),
                texts(d.at("/orchestrator/resource/label")));
        assertEquals(List.of("0"), texts(d.at("/related/user")));
        assertEquals(List.of("kind-control-plane"), texts(d.at("/related/hosts")));
    }

    @Test
    void argumentsSplitTheWayTetragonQuotedThem() throws IOException {
        JsonNode d = doc(sample("elastic/test-cilium-tetragon-log.log", "command -v bash"));
        assertEquals(List.of("/usr/bin/sh", "-c", "command -v bash >/dev/null && exec bash || exec sh"),
                texts(d.at("/process/parent/args")));
        assertEquals(3, d.at("/process/parent/args_count").asInt());
        assertEquals("/usr/bin/sh -c \"command -v bash >/dev/null && exec bash || exec sh\"",
                d.at("/process/parent/command_line").asText(), "the command line keeps Tetragon's quotes");
        List<String> words = new ArrayList<>();
        ShellWords.split("a  \"b c\" d\\e \"f \\\"g\\\"\" 'h i' \"unclosed j", words);
        assertEquals(List.of("a", "b c", "d\\e", "f \"g\"", "'h", "i'", "unclosed j"), words);
    }

    @Test
    void aFileHook() throws IOException {
        JsonNode d = doc(sample("events/process_kprobe.jsonl", "\"security_file_permission\""));
        assertEquals(List.of("file"), texts(d.at("/event/category")));
        assertEquals(List.of("access"), texts(d.at("/event/type")));
        assertEquals("security_file_permission", d.at("/event/action").asText());
        assertEquals("success", d.at("/event/outcome").asText(), "return 0");
        String path = d.at("/cilium_tetragon/log/process_kprobe/args/0/file_arg/path").asText();
        assertEquals(path, d.at("/file/path").asText());
        assertEquals(path.substring(path.lastIndexOf('/') + 1), d.at("/file/name").asText());
        assertEquals(path.substring(0, path.lastIndexOf('/')), d.at("/file/directory").asText());
    }

    @Test
    void outcomesTetragonStates() throws IOException {
        assertEquals("failure", doc(sample("events/process_kprobe.jsonl", "\"cap_capable\"")).at("/event/outcome").asText(),
                "return -1");
        assertEquals("failure", doc(sample("events/process_kprobe.jsonl", "KPROBE_ACTION_SIGKILL")).at("/event/outcome")
                .asText(), "the policy killed the process");
        assertTrue(doc(sample("events/process_kprobe.jsonl", "\"do_init_module\"")).at("/event/outcome").isMissingNode(),
                "no return value, no outcome");
        JsonNode exit = doc(sample("events/process_exit.jsonl", "\"status\""));
        assertEquals("failure", exit.at("/event/outcome").asText());
        assertEquals(List.of("end"), texts(exit.at("/event/type")));
    }

    @Test
    void aSocketHook() throws IOException {
        String connect = """
                {"process_kprobe":{"process":{"exec_id":"bjoxOjI=","pid":2,"uid":1000,"binary":"/usr/bin/curl",\
                "arguments":"https://example.com","user":{"name":"alice"}},"function_name":"tcp_connect",\
                "args":[{"sock_arg":{"family":"AF_INET","type":"SOCK_STREAM","protocol":"IPPROTO_TCP",\
                "saddr":"10.0.0.5","daddr":"93.184.215.14","sport":40522,"dport":443,"cookie":"1"}}],\
                "action":"KPROBE_ACTION_POST"},"node_name":"n1","time":"2026-12-06T00:00:00Z"}""";
        JsonNode d = doc(connect);
        assertEquals(List.of("network"), texts(d.at("/event/category")));
        assertEquals(List.of("connection", "start"), texts(d.at("/event/type")));
        assertEquals("10.0.0.5", d.at("/source/ip").asText());
        assertEquals(40522, d.at("/source/port").asInt());
        assertEquals("93.184.215.14", d.at("/destination/ip").asText());
        assertEquals(443, d.at("/destination/port").asInt());
        assertEquals("tcp", d.at("/network/transport").asText());
        assertEquals("ipv4", d.at("/network/type").asText());
        assertEquals("egress", d.at("/network/direction").asText());
        assertEquals(List.of("10.0.0.5", "93.184.215.14"), texts(d.at("/related/ip")));
        assertEquals("alice", d.at("/user/name").asText());
        assertEquals(List.of("1000", "alice"), texts(d.at("/related/user")));

        String accept = connect.replace("tcp_connect", "inet_csk_accept");
        JsonNode in = doc(accept);
        assertEquals("ingress", in.at("/network/direction").asText());
        assertEquals("93.184.215.14", in.at("/source/ip").asText(), "the remote side initiated");
        assertEquals("10.0.0.5", in.at("/destination/ip").asText());
        JsonNode addr = doc(connect.replace("\"sock_arg\":{\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\","
                + "\"protocol\":\"IPPROTO_TCP\",\"saddr\":\"10.0.0.5\",\"daddr\":\"93.184.215.14\",\"sport\":40522,"
                + "\"dport\":443,\"cookie\":\"1\"}", "\"sockaddr_arg\":{\"family\":\"AF_INET6\",\"addr\":\"2001:db8::1\","
                + "\"port\":53}").replace("tcp_connect", "security_socket_connect"));
        assertEquals("2001:db8::1", addr.at("/destination/ip").asText());
        assertEquals(53, addr.at("/destination/port").asInt());
        assertEquals("ipv6", addr.at("/network/type").asText());
    }

    @Test
    void labelsNeverCollide() throws IOException {
        String line = """
                {"process_exec":{"process":{"exec_id":"bjoxOjM=","pid":3,"uid":0,"binary":"/app","pod":{"namespace":"ns",\
                "name":"web-0","pod_labels":{"app":"web","app.kubernetes.io/name":"web"},\
                "pod_annotations":{"kubectl.kubernetes.io/restartedAt":"x"}}},"parent":{"exec_id":"bjoxOjI=",\
                "pod":{"pod_labels":{"app":"web","app.kubernetes.io/name":"web"}}}},"node_name":"n1",\
                "node_labels":{"tetragon.io/arch":"amd64","tetragon":"x"},"time":"2026-12-06T00:00:00Z"}""";
        TetragonEvent e = event(line);
        ObjectNode k8s = e.extras().putObject("kubernetes");
        k8s.putObject("labels").put("app", "web").put("app.kubernetes.io/name", "web");
        k8s.putObject("node").putObject("labels").put("kubernetes.io/os", "linux").put("kubernetes", "x");
        k8s.putObject("annotations").put("a.b", "1").put("a", "2");
        JsonNode d = doc(e);
        assertTrue(d.at("/cilium_tetragon/log/process_exec/process/pod/pod_labels").isMissingNode());
        assertTrue(d.at("/cilium_tetragon/log/process_exec/parent/pod/pod_labels").isMissingNode());
        assertEquals(List.of("app:web", "app.kubernetes.io/name:web"), texts(d.at("/orchestrator/resource/label")));
        assertEquals(List.of("kubectl.kubernetes.io/restartedAt:x"), texts(d.at("/orchestrator/resource/annotation")));
        assertEquals("web", d.at("/kubernetes/labels/app_kubernetes_io~1name").asText());
        assertEquals("web", d.at("/kubernetes/labels/app").asText());
        assertEquals("linux", d.at("/kubernetes/node/labels/kubernetes_io~1os").asText());
        assertEquals("1", d.at("/kubernetes/annotations/a_b").asText());
        assertEquals("amd64", d.at("/cilium_tetragon/log/node_labels/tetragon_io~1arch").asText());
        assertEquals("x", d.at("/cilium_tetragon/log/node_labels/tetragon").asText());
    }

    private String sample(String file, String containing) throws IOException {
        return Samples.lines(file).stream().filter(l -> l.contains(containing)).findFirst()
                .orElseThrow(() -> new AssertionError("no line of " + file + " has " + containing));
    }

    private TetragonEvent event(String line) {
        return parser.parse(Samples.batch("x", List.of(line))).list().get(0);
    }

    private JsonNode doc(String line) throws IOException {
        return doc(event(line));
    }

    private JsonNode doc(TetragonEvent e) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ecs.write(e, out);
        return mapper.readTree(out.toByteArray());
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
