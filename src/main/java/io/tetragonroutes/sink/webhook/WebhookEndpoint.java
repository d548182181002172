package io.tetragonroutes.sink.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tetragonroutes.rules.Durations;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A webhook for alerts. Options: {@code url} (required; pass it as {@code RAW(...)}), {@code secret} (HMAC-SHA256
 * signature header), {@code skipTlsCheck} (default false: TLS is verified), {@code headers}
 * ({@code "Name: value; Other: value"}), {@code template} (JSON body template), {@code repeatInterval} and
 * {@code repeatTimes} (re-send a fired alert, as Parseable's targets do; default no repeats), {@code timeout},
 * {@code maxAttempts}.
 */
public class WebhookEndpoint extends DefaultEndpoint {

    private final String name;
    private String url;
    private String secret;
    private boolean skipTlsCheck;
    private String headers;
    private String template;
    private String repeatInterval = "0s";
    private int repeatTimes;
    private String timeout = "10s";
    private int maxAttempts = 5;
    private WebhookClient client;
    private AlertJson json;

    public WebhookEndpoint(String uri, WebhookComponent component, String name) {
        super(uri, component);
        this.name = name;
    }

    /**
     * The URL the shipped routes pass when {@code tetragon.sink.webhook.url} is unset: the endpoint exists (route
     * files are static) but the route's filter never reaches it, and it refuses to send.
     */
    public static final String DISABLED = "off";

    void validate() {
        if (DISABLED.equals(url)) {
            return;
        }
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("tetragon-webhook:" + name + " needs url=RAW(https://...)");
        }
        // built now so that a bad scheme, header or template fails at start-up, not at the first alert
        client = client();
        json = new AlertJson(new ObjectMapper(), template);
        Durations.parse(repeatInterval);
    }

    private WebhookClient client() {
        return new WebhookClient(WebhookClient.Config.of(url).withHeaders(parseHeaders(headers)).withSecret(secret)
                .withSkipTlsCheck(skipTlsCheck).withRetries(maxAttempts, Duration.ofMillis(200), Duration.ofSeconds(30))
                .withTimeout(Durations.parse(timeout)));
    }

    static Map<String, String> parseHeaders(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String h : text.split(";")) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("webhook header '" + h.trim() + "' is not 'Name: value'");
            }
            out.put(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }
        return out;
    }

    @Override
    public Producer createProducer() {
        if (DISABLED.equals(url)) {
            throw new IllegalStateException("tetragon-webhook:" + name + " is off: set tetragon.sink.webhook.url");
        }
        return new WebhookProducer(this, client, json, Durations.parse(repeatInterval), repeatTimes);
    }

    @Override
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("tetragon-webhook is a sink only");
    }

    String name() {
        return name;
    }

    /** Host only: the URL may carry a token. */
    @Override
    protected String createEndpointUri() {
        return "tetragon-webhook:" + name;
    }

    public void setUrl(String url) {
        this.url = url;
        URI.create(url); // fail on a malformed URL at start-up
    }

    public void setSecret(String secret) {
        this.secret = secret;
    }

    public void setSkipTlsCheck(boolean skipTlsCheck) {
        this.skipTlsCheck = skipTlsCheck;
    }

    public void setHeaders(String headers) {
        this.headers = headers;
    }

    public void setTemplate(String template) {
        this.template = template;
    }

    public void setRepeatInterval(String repeatInterval) {
        this.repeatInterval = repeatInterval;
    }

    public void setRepeatTimes(int repeatTimes) {
        this.repeatTimes = repeatTimes;
    }

    public void setTimeout(String timeout) {
        this.timeout = timeout;
    }

    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }
}
