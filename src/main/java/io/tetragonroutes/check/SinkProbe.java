package io.tetragonroutes.check;

import io.tetragonroutes.camel.TetragonKit;
import io.tetragonroutes.sink.http.Tls;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * {@code check --connect}: one read-only call per configured sink, with its address, TLS settings and credentials.
 * Elasticsearch {@code GET /} (the cluster answers with its version when the credentials are good), Parseable
 * {@code GET /api/v1/logstream} (lists the streams: needs the credentials), Kafka {@code describeCluster}, and for the
 * webhook only a TCP connection and TLS handshake (a webhook has no read-only call: nothing is posted).
 * Credentials are sent, never printed.
 */
final class SinkProbe {

    record Result(String sink, boolean ok, String detail) {
        @Override
        public String toString() {
            return String.format("%-14s %s  %s", sink, ok ? "OK  " : "FAIL", detail);
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private SinkProbe() {
    }

    static List<Result> probeAll(TetragonKit kit) {
        List<Result> out = new ArrayList<>();
        kit.setting("tetragon.sink.elasticsearch.url").ifPresent(u -> out.add(http("elasticsearch", kit, u, "/",
                "tetragon.sink.elasticsearch")));
        kit.setting("tetragon.sink.parseable.url").ifPresent(u -> out.add(http("parseable", kit, u,
                "/api/v1/logstream", "tetragon.sink.parseable")));
        kit.setting("tetragon.sink.webhook.url").ifPresent(u -> out.add(handshake(kit, u)));
        kit.setting("tetragon.sink.kafka.brokers").ifPresent(b -> out.add(kafka(kit, b)));
        if (out.isEmpty()) {
            out.add(new Result("(none)", true, "no sink with an address is configured"));
        }
        return out;
    }

    /** The URL without user info, query or path (which may carry a token). */
    static String redact(String url) {
        try {
            URI u = URI.create(url);
            return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "") + "/...";
        } catch (RuntimeException e) {
            return "(unparsable URL)";
        }
    }

    private static SSLContext tls(TetragonKit kit, String prefix) {
        return Tls.context(kit.setting(prefix + ".skip-tls-check").map(Boolean::parseBoolean).orElse(false),
                kit.setting(prefix + ".ca-file").orElse(null));
    }

    private static Result http(String sink, TetragonKit kit, String base, String path, String prefix) {
        try {
            HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(TIMEOUT);
            SSLContext tls = tls(kit, prefix);
            if (tls != null) { // null: the JVM's trust store
                http.sslContext(tls);
            }
            HttpClient client = http.build();
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base.replaceAll("/+$", "") + path))
                    .timeout(TIMEOUT).GET();
            Optional<String> user = kit.setting(prefix + ".username");
            Optional<String> apiKey = kit.setting(prefix + ".api-key");
            if (apiKey.isPresent()) {
                req.header("Authorization", "ApiKey " + apiKey.get());
            } else if (user.isPresent()) {
                String pw = kit.setting(prefix + ".password").orElse("");
                req.header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((user.get() + ":" + pw).getBytes(StandardCharsets.UTF_8)));
            }
            HttpResponse<String> r = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
            int s = r.statusCode();
            String what = "GET " + path + " on " + redact(base) + ": HTTP " + s;
            if (s == 401 || s == 403) {
                return new Result(sink, false, what + " (credentials refused)");
            }
            return new Result(sink, s / 100 == 2, what);
        } catch (Exception e) {
            return new Result(sink, false, redact(base) + ": " + e);
        }
    }

    private static Result handshake(TetragonKit kit, String url) {
        URI u = URI.create(url);
        boolean https = "https".equalsIgnoreCase(u.getScheme());
        int port = u.getPort() > 0 ? u.getPort() : https ? 443 : 80;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(u.getHost(), port), (int) TIMEOUT.toMillis());
            if (https) {
                SSLContext ctx = tls(kit, "tetragon.sink.webhook");
                try (SSLSocket tls = (SSLSocket) (ctx != null ? ctx : SSLContext.getDefault()).getSocketFactory()
                        .createSocket(s, u.getHost(), port, false)) {
                    if (!kit.setting("tetragon.sink.webhook.skip-tls-check").map(Boolean::parseBoolean).orElse(false)) {
                        javax.net.ssl.SSLParameters params = tls.getSSLParameters();
                        params.setEndpointIdentificationAlgorithm("HTTPS"); // the host name is verified too
                        tls.setSSLParameters(params);
                    }
                    tls.startHandshake();
                }
            }
            return new Result("webhook", true, redact(url) + ": connected" + (https ? ", TLS verified" : "")
                    + " (nothing posted)");
        } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
            return new Result("webhook", false, redact(url) + ": " + e);
        }
    }

    private static Result kafka(TetragonKit kit, String brokers) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        p.put(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, kit.setting("tetragon.sink.kafka.security-protocol")
                .orElse("PLAINTEXT"));
        kit.setting("tetragon.sink.kafka.sasl-mechanism").ifPresent(v -> p.put(SaslConfigs.SASL_MECHANISM, v));
        kit.setting("tetragon.sink.kafka.sasl-jaas-config").ifPresent(v -> p.put(SaslConfigs.SASL_JAAS_CONFIG, v));
        kit.setting("tetragon.sink.kafka.ssl-truststore-location")
                .ifPresent(v -> p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, v));
        kit.setting("tetragon.sink.kafka.ssl-truststore-password")
                .ifPresent(v -> p.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, v));
        try (Admin admin = Admin.create(p)) {
            int nodes = admin.describeCluster().nodes().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size();
            return new Result("kafka", true, brokers + ": cluster of " + nodes + " broker(s)");
        } catch (Exception e) {
            return new Result("kafka", false, brokers + ": " + e);
        }
    }
}
