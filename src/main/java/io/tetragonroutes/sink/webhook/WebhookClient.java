package io.tetragonroutes.sink.webhook;

import io.tetragonroutes.sink.http.Tls;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * POSTs bodies to one webhook URL: optional HMAC-SHA256 signature, custom headers, TLS verified unless
 * {@code skipTlsCheck} (Parseable's name for the opt-out), retries with exponential backoff and jitter on 5xx,
 * 429, timeouts and connection errors. A 4xx other than 408/429 is the receiver refusing the body: it is thrown
 * at once as {@link Rejected}, never retried. The URL is never logged whole (it often carries a token).
 */
public final class WebhookClient {

    /** The signature header: {@code sha256=<hex HMAC-SHA256 of the body with the shared secret>}. */
    public static final String SIGNATURE_HEADER = "X-Tetragon-Signature-256";

    /** The receiver answered 4xx: the body will not be accepted by retrying. */
    public static final class Rejected extends IOException {
        private final int status;
        private final String response;

        Rejected(int status, String response, String where) {
            super("webhook " + where + " refused the request: HTTP " + status + " " + response);
            this.status = status;
            this.response = response;
        }

        public int status() {
            return status;
        }

        public String response() {
            return response;
        }
    }

    /** The receiver could not be reached or kept failing until the attempts ran out. */
    public static final class Unavailable extends IOException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public record Config(URI url, Map<String, String> headers, String secret, boolean skipTlsCheck,
                         Duration timeout, int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        public Config {
            headers = Map.copyOf(headers);
        }

        public static Config of(String url) {
            return new Config(URI.create(url), Map.of(), null, false, Duration.ofSeconds(10), 5,
                    Duration.ofMillis(200), Duration.ofSeconds(30));
        }

        public Config withHeaders(Map<String, String> h) {
            return new Config(url, h, secret, skipTlsCheck, timeout, maxAttempts, initialBackoff, maxBackoff);
        }

        public Config withSecret(String s) {
            return new Config(url, headers, s == null || s.isEmpty() ? null : s, skipTlsCheck, timeout, maxAttempts,
                    initialBackoff, maxBackoff);
        }

        public Config withSkipTlsCheck(boolean skip) {
            return new Config(url, headers, secret, skip, timeout, maxAttempts, initialBackoff, maxBackoff);
        }

        public Config withTimeout(Duration t) {
            return new Config(url, headers, secret, skipTlsCheck, t, maxAttempts, initialBackoff, maxBackoff);
        }

        public Config withRetries(int attempts, Duration initial, Duration max) {
            return new Config(url, headers, secret, skipTlsCheck, timeout, attempts, initial, max);
        }
    }

    private final Config config;
    private final HttpClient http;
    private final String where;

    public WebhookClient(Config config) {
        String scheme = config.url().getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || config.url().getHost() == null) {
            throw new IllegalArgumentException("webhook URL must be http(s)://host/...: "
                    + (scheme == null ? "no scheme" : scheme + "://…"));
        }
        for (String h : config.headers().keySet()) {
            if (h.isBlank() || h.chars().anyMatch(c -> c <= ' ' || c == ':' || c > '~')) {
                throw new IllegalArgumentException("bad webhook header name '" + h + "'");
            }
        }
        this.config = config;
        this.where = scheme + "://" + config.url().getHost() + (config.url().getPort() > 0 ? ":" + config.url().getPort() : "");
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        if (config.skipTlsCheck()) {
            b.sslContext(Tls.trustAll());
        }
        this.http = b.build();
    }

    /** Where requests go, without path or query (safe to log). */
    public String where() {
        return where;
    }

    /** Sends once per attempt until a 2xx/3xx; throws {@link Rejected} on 4xx, {@link Unavailable} when out of attempts. */
    public int post(byte[] body, String contentType) throws IOException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(config.url()).timeout(config.timeout())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            rb.header("Content-Type", contentType);
        }
        config.headers().forEach(rb::header);
        if (config.secret() != null) {
            rb.header(SIGNATURE_HEADER, "sha256=" + sign(config.secret(), body));
        }
        HttpRequest request = rb.build();
        long backoff = config.initialBackoff().toMillis();
        Exception last = null;
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                int s = r.statusCode();
                if (s < 400) {
                    return s;
                }
                String text = r.body() == null ? "" : r.body().length() > 500 ? r.body().substring(0, 500) : r.body();
                if (s < 500 && s != 408 && s != 429) {
                    throw new Rejected(s, text, where);
                }
                last = new IOException("HTTP " + s + " " + text);
            } catch (Rejected e) {
                throw e;
            } catch (IOException e) {
                last = e;
            }
            if (attempt >= config.maxAttempts()) {
                throw new Unavailable("webhook " + where + " failed " + attempt + " times, last: " + last.getMessage(), last);
            }
            long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
            Thread.sleep(jittered); // the caller's thread is the one that must wait: that is the back-pressure
            backoff = Math.min(backoff * 2, config.maxBackoff().toMillis());
        }
    }

    /** Hex HMAC-SHA256 of {@code body}: what a receiver recomputes to check the request came from us. */
    public static String sign(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
