package io.tetragonroutes.sink.elasticsearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A real search server on loopback, started by a test: {@link ElasticsearchNode} or {@link OpenSearchNode}. Both
 * keep their data across {@link #stop()} and {@link #start()}, so a test can take the server away mid-stream.
 */
public abstract class SearchNode {

    public record Answer(int status, JsonNode json, String text) {
    }

    protected static final ObjectMapper MAPPER = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    protected final int port;

    protected SearchNode(int port) {
        this.port = port;
    }

    /** {@code http://127.0.0.1:<port>} */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Elasticsearch or OpenSearch, for messages. */
    public abstract String name();

    /** Whether the server checks credentials (the sink then sends {@link #username()}/{@link #password()}). */
    public abstract boolean secured();

    public String username() {
        return null;
    }

    public String password() {
        return null;
    }

    /** Starts the server (again, on the same data) and waits until it answers healthy. */
    public abstract void start() throws Exception;

    /** Stops the server and waits until it has exited; its data stays. */
    public abstract void stop() throws Exception;

    /** A request as the admin (JSON body or none); the answer's body read as JSON when it is. */
    public Answer call(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", path.contains("_bulk") ? "application/x-ndjson" : "application/json");
        }
        if (secured()) {
            b.header("Authorization", io.tetragonroutes.sink.http.HttpSinkClient.basic(username(), password()));
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json;
        try {
            json = MAPPER.readTree(r.body());
        } catch (IOException notJson) {
            json = MAPPER.missingNode();
        }
        return new Answer(r.statusCode(), json, r.body());
    }

    /** How many documents an index or data stream holds, after a refresh. */
    public long count(String index) throws IOException, InterruptedException {
        call("POST", "/" + index + "/_refresh", null);
        Answer a = call("GET", "/" + index + "/_count", null);
        return a.status() == 200 ? a.json().path("count").asLong() : -1;
    }

    /** Waits for a green or yellow cluster; fails at once if the process exits. */
    protected void awaitHealthy(Process p, Duration max) {
        org.awaitility.Awaitility.await(name() + " healthy").atMost(max).pollInterval(Duration.ofMillis(250))
                .ignoreExceptionsInstanceOf(IOException.class).until(() -> {
                    if (p != null && !p.isAlive()) {
                        throw new IllegalStateException(name() + " exited with " + p.exitValue() + " while starting");
                    }
                    return call("GET", "/_cluster/health?wait_for_status=yellow&timeout=1s", null).status() == 200;
                });
    }

    /** Stops the node when the test JVM exits (the nodes are shared by the test classes of one JVM). */
    protected static <T extends SearchNode> T stopAtExit(T node) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.stop();
            } catch (Exception ignored) {
                // the JVM is going
            }
        }));
        return node;
    }

    static int freePort(int from, int to) throws IOException {
        for (int p = from; p <= to; p++) {
            try (ServerSocket s = new ServerSocket(p, 1, java.net.InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException taken) {
                // next
            }
        }
        throw new IOException("no free port in " + from + "-" + to);
    }
}
