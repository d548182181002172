package io.tetragonroutes.sink.webhook;

import io.tetragonroutes.sink.http.FaultyHttpServer;

import javax.net.ssl.SSLContext;
import java.io.IOException;

/**
 * The receiving end of an alert webhook: a real HTTP(S) server on loopback that records what is sent and answers
 * 200, unless a fault was queued (then the status, a reset or a delay, see {@link FaultyHttpServer}).
 */
public final class WebhookReceiver extends FaultyHttpServer<WebhookReceiver> {

    private WebhookReceiver(SSLContext tls) throws IOException {
        super(tls);
    }

    public static WebhookReceiver http() throws IOException {
        return new WebhookReceiver(null);
    }

    public static WebhookReceiver https(SSLContext tls) throws IOException {
        return new WebhookReceiver(tls);
    }

    @Override
    protected Reply serve(Request request) {
        return Reply.text(200, "ok");
    }
}
