package io.tetragonroutes.sink.http;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One HTTP service a sink writes to (Parseable, Elasticsearch): a base URL, an Authorization header built once from
 * credentials (never logged), TLS as {@link Tls} sets it, and a few quick retries with exponential backoff and
 * jitter on 5xx, 408, 429, timeouts and connection errors. Wrong credentials stop it for a while (see
 * {@link #send}). Other answers are returned for the sink to interpret;
 * when the attempts run out it throws {@link Unavailable} and the route's redelivery takes over (the tail pauses).
 */
public final class HttpSinkClient {

    /** A status and the start of the body (error texts are short; a success body may be a bulk response). */
    public record Response(int status, String body) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    /** The service could not be reached or kept failing until the attempts ran out. */
    public static final class Unavailable extends IOException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The service refused our credentials (401/403): retrying will not help until they are fixed. */
    public static final class CredentialsRejected extends IOException {
        public CredentialsRejected(String message) {
            super(message);
        }
    }

    public record Config(URI base, String authorization, SSLContext tls, Duration timeout, int maxAttempts,
                         Duration initialBackoff, Duration maxBackoff) {
    }

    /** After a 401/403, how long no request is sent: a bad password neither spins nor locks the account. */
    public static final long CREDENTIALS_HOLD_OFF_MS = 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(HttpSinkClient.class);

    private final Config config;
    private final HttpClient http;
    private final String where;
    private volatile long holdOffUntil;
    private volatile String credentialsProblem;

    public HttpSinkClient(Config config) {
        String scheme = config.base().getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || config.base().getHost() == null) {
            throw new IllegalArgumentException("URL must be http(s)://host[:port]: "
                    + (scheme == null ? "no scheme" : scheme + "://…"));
        }
        this.config = config;
        this.where = scheme + "://" + config.base().getHost()
                + (config.base().getPort() > 0 ? ":" + config.base().getPort() : "");
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1);
        if (config.tls() != null) {
            b.sslContext(config.tls());
        }
        this.http = b.build();
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + (password == null ? "" : password))
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Scheme, host and port: safe to log. */
    public String where() {
        return where;
    }

    /**
     * Sends until an answer that is not worth retrying (2xx, 3xx, 4xx other than 408/429), which is returned.
     * 401/403 throw {@link CredentialsRejected}, logged once as an error, and for
     * {@link #CREDENTIALS_HOLD_OFF_MS} every call throws it again without a request; running out of attempts throws
     * {@link Unavailable}.
     */
    public Response send(String method, String path, Map<String, String> headers, byte[] body)
            throws IOException, InterruptedException {
        if (System.currentTimeMillis() < holdOffUntil) {
            throw new CredentialsRejected(credentialsProblem + " (holding off: no request sent)");
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(config.base().resolve(path)).timeout(config.timeout())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (config.authorization() != null) {
            rb.header("Authorization", config.authorization());
        }
        headers.forEach(rb::header);
        HttpRequest request = rb.build();
        long backoff = config.initialBackoff().toMillis();
        String last = null;
        Exception cause = null;
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                int s = r.statusCode();
                String text = r.body() == null ? "" : r.body();
                if (s == 401 || s == 403) {
                    credentialsProblem = where + " refused the credentials: HTTP " + s + " " + clip(text);
                    holdOffUntil = System.currentTimeMillis() + CREDENTIALS_HOLD_OFF_MS;
                    LOG.error("{}. Check the sink's username/password or API key (from the Secret); no request for "
                            + "{} s, the tail pauses, nothing is lost", credentialsProblem, CREDENTIALS_HOLD_OFF_MS / 1000);
                    throw new CredentialsRejected(credentialsProblem);
                }
                if (s < 500 && s != 408 && s != 429) {
                    return new Response(s, text);
                }
                last = "HTTP " + s + " " + clip(text);
                cause = null;
            } catch (CredentialsRejected e) {
                throw e;
            } catch (IOException e) {
                last = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                cause = e;
            }
            if (attempt >= config.maxAttempts()) {
                throw new Unavailable(where + " failed " + attempt + " times, last: " + last, cause);
            }
            long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
            Thread.sleep(jittered); // the sink's thread waits: that is the back-pressure on the tail
            backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
        }
    }

    public static String clip(String text) {
        String t = text.strip();
        return t.length() > 500 ? t.substring(0, 500) + "…" : t;
    }
}
