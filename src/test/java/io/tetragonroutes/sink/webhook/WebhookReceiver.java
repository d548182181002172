package io.tetragonroutes.sink.webhook;

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
import java.time.Duration;

/**
 * A real HTTP(S) server on loopback that records what webhooks send and answers with the statuses queued by the
 * test (then 200): the receiving end of an alert webhook, able to fail on demand.
 */
public final class WebhookReceiver implements AutoCloseable {

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

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Deque<Integer> statuses = new ConcurrentLinkedDeque<>();
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger resets = new AtomicInteger();
    private volatile long failUntil;
    private volatile int failStatus;
    private volatile Duration delay = Duration.ZERO;

    private WebhookReceiver(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.start();
    }

    public static WebhookReceiver http() throws IOException {
        return new WebhookReceiver(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    }

    public static WebhookReceiver https(SSLContext tls) throws IOException {
        HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(tls));
        return new WebhookReceiver(s);
    }

    /** The next requests get these statuses, in order; after them, 200. */
    public WebhookReceiver failNext(int... codes) {
        for (int c : codes) {
            statuses.add(c);
        }
        return this;
    }

    /** Every request during the next {@code d} gets {@code code} (a sink that is down for a while). */
    public WebhookReceiver failFor(Duration d, int code) {
        failStatus = code;
        failUntil = System.nanoTime() + d.toNanos();
        return this;
    }

    /** Answers every request only after {@code d} (a slow sink). */
    public WebhookReceiver slow(Duration d) {
        delay = d;
        return this;
    }

    /** The next {@code n} connections are closed without an answer (a reset, as the client sees it). */
    public WebhookReceiver resetNext(int n) {
        resets.set(n);
        return this;
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
        boolean reset = resets.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        Integer status = reset ? Integer.valueOf(0)
                : System.nanoTime() < failUntil ? Integer.valueOf(failStatus) : statuses.poll();
        int code = status == null ? 200 : status;
        requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().toString(),
                Map.copyOf(ex.getRequestHeaders()), body, code));
        if (reset) {
            ex.close(); // no status line: the client sees the connection end
            return;
        }
        if (!delay.isZero()) {
            later.schedule(() -> answer(ex, code), delay.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        answer(ex, code);
    }

    private void answer(HttpExchange ex, int code) {
        try {
            respond(ex, code);
        } catch (IOException e) {
            ex.close();
        }
    }

    private void respond(HttpExchange ex, int code) throws IOException {
        byte[] answer = (code == 200 ? "ok" : code >= 500 ? "unavailable" : "bad request: field 'x' is invalid")
                .getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(code, answer.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(answer);
        }
    }

    @Override
    public void close() {
        later.shutdownNow();
        server.stop(0);
    }
}
