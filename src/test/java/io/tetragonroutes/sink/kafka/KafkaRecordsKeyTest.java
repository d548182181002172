package io.tetragonroutes.sink.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tetragonroutes.Samples;
import io.tetragonroutes.event.EventParser;
import io.tetragonroutes.event.SharedJson;
import io.tetragonroutes.event.TetragonEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Kafka record key: the enriched pod's uid (kept beside the shared tree), else what Tetragon wrote. */
class KafkaRecordsKeyTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final EventParser parser = new EventParser(mapper, new SimpleMeterRegistry());

    private TetragonEvent podEvent() {
        for (String line : Samples.lines("events/process_exec.jsonl")) {
            TetragonEvent e = parser.parse(Samples.batch("key", List.of(line))).list().get(0);
            if (e.podNamespace() != null) {
                return e;
            }
        }
        throw new IllegalStateException("no sample exec event in a pod");
    }

    private SharedJson pod(String uid) {
        ObjectNode k = mapper.createObjectNode();
        k.putObject("pod").put("name", "p").put("uid", uid);
        return SharedJson.of(k, uid);
    }

    @Test
    void theEnrichedPodUidKeysTheRecordUntilTheKubernetesMemberIsReplaced() {
        TetragonEvent e = podEvent();
        String tetragons = e.podUid() != null ? e.podUid() : e.podNamespace() + "/" + e.podName();
        assertEquals(tetragons, KafkaRecords.key(e), "not enriched: what Tetragon wrote");

        e.addShared("kubernetes", pod("uid-from-the-cache"));
        assertEquals("uid-from-the-cache", KafkaRecords.key(e));

        e.extras().putObject("kubernetes").putObject("pod").put("uid", "uid-set-later");
        assertEquals("uid-set-later", KafkaRecords.key(e), "a replaced member is read, not the stale id");

        e.extras().remove("kubernetes");
        assertEquals(tetragons, KafkaRecords.key(e), "no member: back to Tetragon's");
    }

    @Test
    void aSharedObjectWithoutAnIdFallsBackToItsTree() {
        TetragonEvent e = podEvent();
        ObjectNode k = mapper.createObjectNode();
        k.putObject("pod").put("uid", "in-the-tree");
        e.addShared("kubernetes", SharedJson.of(k));
        assertEquals("in-the-tree", KafkaRecords.key(e));
    }
}
