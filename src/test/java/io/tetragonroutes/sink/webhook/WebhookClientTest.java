package io.tetragonroutes.sink.webhook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class WebhookClientTest {

    private static WebhookClient client(String url, String secret) {
        return new WebhookClient(WebhookClient.Config.of(url).withSecret(secret)
                .withHeaders(Map.of("X-Team", "secops"))
                .withRetries(4, Duration.ofMillis(10), Duration.ofMillis(50)));
    }

    @Test
    void signsTheBodySoTheReceiverCanCheckItCameFromUs() throws Exception {
        try (WebhookReceiver r = WebhookReceiver.http()) {
            byte[] body = "{\"rule\":\"x\"}".getBytes(StandardCharsets.UTF_8);
            assertEquals(200, client(r.url("/hook?token=abc"), "s3cret").post(body, "application/json"));
            WebhookReceiver.Request got = r.requests().get(0);
            assertEquals("POST", got.method());
            assertEquals("/hook?token=abc", got.path());
            assertEquals("application/json", got.header("Content-Type"));
            assertEquals("secops", got.header("X-Team"));
            // what a receiver does: recompute the HMAC over the bytes it got, with the shared secret
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            assertEquals("sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(got.body())),
                    got.header(WebhookClient.SIGNATURE_HEADER));
        }
    }

    @Test
    void retries5xxAndGivesUpOn4xx() throws Exception {
        try (WebhookReceiver r = WebhookReceiver.http().failNext(503, 502)) {
            assertEquals(200, client(r.url("/"), null).post(new byte[] {'1'}, null));
            assertEquals(3, r.requests().size(), "two failures, then accepted");
            assertEquals(null, r.requests().get(0).header(WebhookClient.SIGNATURE_HEADER), "no secret, no signature");
        }
        try (WebhookReceiver r = WebhookReceiver.http().failNext(400)) {
            WebhookClient.Rejected e = assertThrows(WebhookClient.Rejected.class,
                    () -> client(r.url("/"), null).post(new byte[] {'1'}, null));
            assertEquals(400, e.status());
            assertTrue(e.getMessage().contains("bad request: field 'x' is invalid"), e.getMessage());
            assertEquals(1, r.requests().size(), "a 4xx is not retried");
        }
        try (WebhookReceiver r = WebhookReceiver.http().failNext(503, 503, 503, 503, 503)) {
            assertThrows(WebhookClient.Unavailable.class, () -> client(r.url("/"), null).post(new byte[] {'1'}, null));
            assertEquals(4, r.requests().size(), "maxAttempts");
        }
    }

    @Test
    void anUnreachableReceiverIsUnavailableAndTheUrlIsNotInTheMessage() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        IOException e = assertThrows(WebhookClient.Unavailable.class,
                () -> client("http://127.0.0.1:" + port + "/hook/SECRET-TOKEN", null).post(new byte[] {'1'}, null));
        assertTrue(e.getMessage().startsWith("webhook http://127.0.0.1:" + port + " failed 4 times"), e.getMessage());
        assertTrue(!e.getMessage().contains("SECRET-TOKEN"), "the path may carry a token: never in logs");
    }

    @Test
    void tlsIsVerifiedUnlessSkipTlsCheckIsSet() throws Exception {
        try (WebhookReceiver r = WebhookReceiver.https(selfSigned())) {
            assertThrows(WebhookClient.Unavailable.class, () -> client(r.url("/"), null).post(new byte[] {'1'}, null),
                    "a self-signed certificate is refused by default");
            assertEquals(0, r.requests().size());
            WebhookClient skip = new WebhookClient(WebhookClient.Config.of(r.url("/")).withSkipTlsCheck(true)
                    .withRetries(1, Duration.ofMillis(10), Duration.ofMillis(10)));
            assertEquals(200, skip.post(new byte[] {'1'}, null));
            assertEquals(1, r.requests().size());
        }
    }

    @Test
    void aBadWebhookConfigurationFailsAtStartUpNotAtTheFirstAlert() throws Exception {
        try (org.apache.camel.impl.DefaultCamelContext camel = new org.apache.camel.impl.DefaultCamelContext()) {
            camel.addComponent(WebhookComponent.SCHEME, new WebhookComponent());
            Exception e = assertThrows(Exception.class, () -> camel.getEndpoint("tetragon-webhook:alerts?url=RAW(ftp://x/y)"));
            assertTrue(e.getMessage().contains("webhook URL must be http(s)://host/...: ftp://…"), e.getMessage());
            e = assertThrows(Exception.class, () -> camel.getEndpoint(
                    "tetragon-webhook:alerts?url=RAW(https://x/y)&headers=RAW(NoColon)"));
            assertTrue(e.getMessage().contains("webhook header 'NoColon' is not 'Name: value'"), e.getMessage());
            e = assertThrows(Exception.class, () -> camel.getEndpoint(
                    "tetragon-webhook:alerts?url=RAW(https://x/y)&template=RAW({not json)"));
            assertTrue(e.getMessage().contains("webhook body template is not JSON"), e.getMessage());
        }
    }

    static SSLContext selfSigned() throws Exception {
        return io.tetragonroutes.sink.http.TestTls.selfSigned().server();
    }
}
