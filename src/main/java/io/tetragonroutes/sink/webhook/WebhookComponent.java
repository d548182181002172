package io.tetragonroutes.sink.webhook;

import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

import java.util.Map;

/**
 * {@code tetragon-webhook:<name>?url=RAW(https://...)}: POSTs each alert of an event batch as JSON to a webhook
 * (see {@link WebhookEndpoint} for the options). Used by {@code kamelets/webhook-sink.kamelet.yaml}.
 */
public class WebhookComponent extends DefaultComponent {

    public static final String SCHEME = "tetragon-webhook";

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        WebhookEndpoint endpoint = new WebhookEndpoint(uri, this, remaining);
        setProperties(endpoint, parameters);
        endpoint.validate();
        return endpoint;
    }
}
