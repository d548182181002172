package io.tetragonroutes.camel;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.service.ServiceSupport;

/**
 * One of the kit's steps, as a kamelet or route declares it in its own beans, with nothing but the kit's jar on the
 * classpath:
 * <pre>
 * template:
 *   beans:
 *     - name: rules
 *       type: "#class:io.tetragonroutes.camel.KitStep"
 *       properties:
 *         step: rules
 *   from:
 *     uri: kamelet:source
 *     steps:
 *       - process:
 *           ref: "{{rules}}"
 * </pre>
 * Steps: {@code parse}, {@code enrich}, {@code rules}, {@code ndjson}, {@code shipped} (with {@code sink} and
 * {@code output}), {@code retried} (a route configuration's {@code onRedeliveryRef}), {@code hub-batch},
 * {@code hub-commit}. The step is resolved when its route starts (a broken rules file stops start-up there), from the
 * CamelContext's {@link TetragonKit}, so every kamelet instance shares one rules engine and one pod cache.
 */
public final class KitStep extends ServiceSupport implements Processor, CamelContextAware {

    private CamelContext camelContext;
    private String step;
    private String sink;
    private String output;
    private volatile Processor delegate;

    /** With {@code shipped}: the sink and output this kamelet serves, so their meters exist from the start. */
    public void setSink(String sink) {
        this.sink = sink;
    }

    public String getSink() {
        return sink;
    }

    public void setOutput(String output) {
        this.output = output;
    }

    public String getOutput() {
        return output;
    }

    public String getStep() {
        return step;
    }

    public void setStep(String step) {
        this.step = step;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    protected void doStart() {
        resolve(camelContext);
    }

    private Processor resolve(CamelContext camel) {
        Processor p = delegate;
        if (p == null) {
            if (camel == null) {
                throw new IllegalStateException("KitStep '" + step + "' has no CamelContext");
            }
            TetragonKit kit = TetragonKit.of(camel);
            p = switch (step == null ? "" : step) {
                case "parse" -> kit.parser();
                case "enrich" -> kit.k8s();
                case "rules" -> kit.rules();
                case "ndjson" -> kit.ndjson();
                case "shipped" -> kit.shipped(sink, output);
                case "retried" -> kit.retried();
                case "hub-batch" -> kit.hubBatch();
                case "hub-commit" -> kit.hubCommit();
                default -> throw new IllegalArgumentException("KitStep: unknown step '" + step
                        + "'; one of parse, enrich, rules, ndjson, shipped, retried, hub-batch, hub-commit");
            };
            delegate = p;
        }
        return p;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        Processor p = delegate;
        (p != null ? p : resolve(exchange.getContext())).process(exchange);
    }

    @Override
    public String toString() {
        return "KitStep[" + step + "]";
    }
}
