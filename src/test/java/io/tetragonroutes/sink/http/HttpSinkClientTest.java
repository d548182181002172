package io.tetragonroutes.sink.http;

import io.tetragonroutes.sink.elasticsearch.ElasticsearchServer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS and credentials of the HTTP sinks against a real HTTPS server with a self-signed certificate. */
class HttpSinkClientTest {

    private static final byte[] ONE_DOC = "{\"create\":{\"_index\":\"t\"}}\n{\"a\":1}\n".getBytes(StandardCharsets.UTF_8);
    private static final Map<String, String> NDJSON = Map.of("Content-Type", "application/x-ndjson");

    private static HttpSinkClient client(String url, String auth, javax.net.ssl.SSLContext tls) {
        return new HttpSinkClient(new HttpSinkClient.Config(URI.create(url), auth, tls, Duration.ofSeconds(5), 2,
                Duration.ofMillis(10), Duration.ofMillis(50)));
    }

    @Test
    void tlsIsVerifiedByDefaultAndACaFileOrTheNamedOptOutLetsItThrough() throws Exception {
        TestTls tls = TestTls.selfSigned();
        try (ElasticsearchServer es = new ElasticsearchServer(tls.server()).basicAuth("u", "p")) {
            String url = es.url("/");
            String auth = HttpSinkClient.basic("u", "p");
            HttpSinkClient.Unavailable refused = assertThrows(HttpSinkClient.Unavailable.class,
                    () -> client(url, auth, Tls.context(false, null)).send("POST", "_bulk", NDJSON, ONE_DOC));
            assertTrue(refused.getCause() instanceof javax.net.ssl.SSLException, String.valueOf(refused.getCause()));
            assertEquals(0, es.requests().size(), "nothing was sent to an unverified server");

            assertEquals(200, client(url, auth, Tls.context(false, tls.certificatePem().toString()))
                    .send("POST", "_bulk", NDJSON, ONE_DOC).status());
            assertEquals(200, client(url, auth, Tls.context(true, null)).send("POST", "_bulk", NDJSON, ONE_DOC).status());
            assertEquals(2, es.docs("t").size());
        }
    }

    @Test
    void aBadCaFileFailsAtStartUp() throws Exception {
        java.nio.file.Path notPem = java.nio.file.Files.createTempFile(java.nio.file.Path.of("target"), "ca", ".pem");
        java.nio.file.Files.writeString(notPem, "not a certificate");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tls.context(false, notPem.toString()));
        assertTrue(e.getMessage().contains(notPem.toString()), e.getMessage());
    }

    @Test
    void refusedCredentialsHoldTheClientOffWithoutFurtherRequests() throws Exception {
        try (ElasticsearchServer es = new ElasticsearchServer().apiKey("right")) {
            HttpSinkClient c = client(es.url("/"), "ApiKey wrong", null);
            HttpSinkClient.CredentialsRejected first = assertThrows(HttpSinkClient.CredentialsRejected.class,
                    () -> c.send("POST", "_bulk", NDJSON, ONE_DOC));
            assertTrue(first.getMessage().contains("HTTP 401") && !first.getMessage().contains("wrong"),
                    "the status, never the credentials: " + first.getMessage());
            assertThrows(HttpSinkClient.CredentialsRejected.class, () -> c.send("POST", "_bulk", NDJSON, ONE_DOC));
            assertEquals(1, es.requests().size(), "the second call held off");
        }
    }
}
