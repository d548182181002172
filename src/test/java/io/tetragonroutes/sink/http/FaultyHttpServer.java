package io.tetragonroutes.sink.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP(S) server on loopback, the base of our sink doubles (webhook receiver, Parseable, Elasticsearch):
 * records every request, and fails on demand before the double's own logic runs: queued statuses, a status for a
 * while (a sink that is down), slow answers, connection resets.
 */
public abstract class FaultyHttpServer<S extends FaultyHttpServer<S>> implements AutoCloseable {

    /** One request as received, and the status it was answered with (0: the connection was closed instead). */
    public record Request(String method, String path, Map<String, List<String>> headers, byte[] body, int status) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                if (h.getKey().equalsIgnoreCase(name)) {
                    return h.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** What the double answers. */
    public record Reply(int status, String contentType, byte[] body) {
        public static Reply text(int status, String text) {
            return new Reply(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
        }

        public static Reply json(int status, String json) {
            return new Reply(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static final Integer SERVE = -1;

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Deque<Integer> statuses = new ConcurrentLinkedDeque<>();
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger resets = new AtomicInteger();
    private volatile long failUntil;
    private volatile int failStatus;
    private volatile Duration delay = Duration.ZERO;

    protected FaultyHttpServer(SSLContext tls) throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        if (tls == null) {
            server = HttpServer.create(loopback, 0);
        } else {
            HttpsServer s = HttpsServer.create(loopback, 0);
            s.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = s;
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    /** The double's answer to a request that no fault intercepted. */
    protected abstract Reply serve(Request request) throws IOException;

    /** The next requests get these statuses, in order, whatever they carry; after them, normal service. */
    public S failNext(int... codes) {
        for (int c : codes) {
            statuses.add(c);
        }
        return self();
    }

    /** The next {@code n} requests (after those already queued) get normal service: put failures after them. */
    public S serveNext(int n) {
        for (int i = 0; i < n; i++) {
            statuses.add(SERVE);
        }
        return self();
    }

    /** Every request during the next {@code d} gets {@code code} (a sink that is down for a while). */
    public S failFor(Duration d, int code) {
        failStatus = code;
        failUntil = System.nanoTime() + d.toNanos();
        return self();
    }

    /** Answers every request only after {@code d} (a slow sink). */
    public S slow(Duration d) {
        delay = d;
        return self();
    }

    /** The next {@code n} connections are closed without an answer (a reset, as the client sees it). */
    public S resetNext(int n) {
        resets.set(n);
        return self();
    }

    /** Forgets requests and faults, for the next test. */
    public void reset() {
        requests.clear();
        statuses.clear();
        resets.set(0);
        failUntil = 0;
        delay = Duration.ZERO;
    }

    public String url(String path) {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return scheme + "://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public List<Request> requests() {
        return new ArrayList<>(requests);
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        Request seen = new Request(ex.getRequestMethod(), ex.getRequestURI().toString(),
                Map.copyOf(ex.getRequestHeaders()), body, 0);
        if (resets.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            requests.add(seen);
            ex.close(); // no status line: the client sees the connection end
            return;
        }
        Integer forced = System.nanoTime() < failUntil ? Integer.valueOf(failStatus) : statuses.poll();
        if (SERVE.equals(forced)) {
            forced = null;
        }
        Reply reply;
        try {
            reply = forced != null ? Reply.text(forced, forced >= 500 ? "unavailable" : "bad request: field 'x' is invalid") : serve(seen);
        } catch (RuntimeException e) {
            reply = Reply.text(500, "double failed: " + e);
        }
        requests.add(new Request(seen.method(), seen.path(), seen.headers(), body, reply.status()));
        Reply r = reply;
        if (!delay.isZero()) {
            later.schedule(() -> answer(ex, r), delay.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        answer(ex, r);
    }

    private static void answer(HttpExchange ex, Reply r) {
        try {
            ex.getResponseHeaders().set("Content-Type", r.contentType());
            ex.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(r.body());
            }
        } catch (IOException e) {
            ex.close();
        }
    }

    @Override
    public void close() {
        later.shutdownNow();
        server.stop(0);
    }
}
