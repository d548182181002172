package io.tetragonroutes.hub;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hub's last step, reached only when every output accepted the batch: commits, for each partition in the
 * batch, the offset of its last record (manual commit; the consumer's auto-commit is off). If the hub dies
 * before this, the group re-reads the batch: at-least-once.
 */
public final class KafkaBatchCommit implements Processor {

    @Override
    public void process(Exchange exchange) {
        List<?> records = exchange.getProperty(HUB_RECORDS, List.class);
        if (records == null) {
            return;
        }
        Map<String, KafkaManualCommit> lastPerPartition = new LinkedHashMap<>();
        for (Object o : records) {
            Message m = ((Exchange) o).getMessage();
            KafkaManualCommit commit = m.getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
            if (commit != null) {
                lastPerPartition.put(m.getHeader(KafkaConstants.TOPIC) + "/" + m.getHeader(KafkaConstants.PARTITION),
                        commit);
            }
        }
        lastPerPartition.values().forEach(KafkaManualCommit::commit);
    }

    /** Exchange property where the hub route keeps the record exchanges while the body is the event batch. */
    public static final String HUB_RECORDS = "tetragonHubRecords";
}
