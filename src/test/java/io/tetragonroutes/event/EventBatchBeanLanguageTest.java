package io.tetragonroutes.event;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The routes call methods on every batch with Camel's simple language ({@code ${body.select('all')}}, ...). Camel's
 * bean language caches a class's bean info by instance when one of its public methods takes a parameter Camel binds
 * itself (a CamelContext, an Exchange): the batch class must not have one, or every batch stays reachable from that
 * cache and a node agent runs out of heap within a minute (found by the bench: the 256 MB heap filled at 100 MB of
 * export). This test lets batches go through the expressions and checks that they can be collected.
 */
class EventBatchBeanLanguageTest {

    @Test
    void batchesThatWentThroughSimpleExpressionsCanBeCollected() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.start();
            List<WeakReference<EventBatch>> gone = evaluate(camel, 20);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                System.gc();
                return gone.stream().allMatch(r -> r.get() == null);
            });
        }
    }

    /** In a frame of its own, so that no local of the test's keeps a batch. */
    private static List<WeakReference<EventBatch>> evaluate(CamelContext camel, int batches) {
        EventParser parser = new EventParser(new ObjectMapper(), new SimpleMeterRegistry());
        List<String> lines = Samples.lines("events/process_exec.jsonl");
        List<Expression> expressions = List.of(
                camel.resolveLanguage("simple").createExpression("${body.select('all')}"),
                camel.resolveLanguage("simple").createExpression("${body.size()}"),
                camel.resolveLanguage("simple").createExpression("${body.events}"));
        List<WeakReference<EventBatch>> refs = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            EventBatch batch = parser.parse(Samples.batch("events/process_exec.jsonl", lines), camel);
            Exchange x = new DefaultExchange(camel);
            for (Expression e : expressions) {
                x.getMessage().setBody(batch);
                e.evaluate(x, Object.class);
                assertEquals(null, x.getException());
            }
            refs.add(new WeakReference<>(batch));
        }
        return refs;
    }
}
