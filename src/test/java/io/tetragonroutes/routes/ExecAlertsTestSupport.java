package io.tetragonroutes.routes;

import io.tetragonroutes.sink.webhook.WebhookReceiver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The shipped routes with one rule, every process_exec is an alert, and the webhook sink pointed at a receiver that
 * fails on demand: each exec id written to the export must reach the webhook (see {@link ExecAlerts}).
 */
abstract class ExecAlertsTestSupport extends KitRoutesTestSupport {

    protected static WebhookReceiver receiver;

    @BeforeAll
    static void startReceiver() throws IOException {
        receiver = WebhookReceiver.http();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @BeforeEach
    void resetReceiver() {
        receiver.reset();
    }

    @Override
    protected Path rules() {
        return ExecAlerts.rules(dir);
    }

    /** Subclasses add theirs after calling this. */
    @Override
    protected void properties(Properties p) {
        p.put("tetragon.sink.webhook.url", receiver.url("/alerts"));
    }
}
