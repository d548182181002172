package io.tetragonroutes.sink.parseable;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Configuration mistakes fail at start-up with a message that names the problem. */
class ParseableEndpointTest {

    @Test
    void streamNamesFollowParseablesRules() {
        ParseableEndpoint.checkStreamName("tetragon");
        ParseableEndpoint.checkStreamName("tetragon_prod-1");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> ParseableEndpoint.checkStreamName("tetragon.events"));
        assertTrue(bad.getMessage().contains("letters, digits"), bad.getMessage());
        IllegalArgumentException keyword = assertThrows(IllegalArgumentException.class,
                () -> ParseableEndpoint.checkStreamName("Select"));
        assertTrue(keyword.getMessage().contains("SQL keyword"), keyword.getMessage());
    }

    @Test
    void metadataBecomesXpHeadersAndBadItemsAreRefused() {
        assertEquals(Map.of("X-P-node", "worker-1", "X-P-cluster", "prod"),
                ParseableEndpoint.parseMetadata("node=worker-1; cluster=prod;"));
        assertThrows(IllegalArgumentException.class, () -> ParseableEndpoint.parseMetadata("no value"));
        assertThrows(IllegalArgumentException.class, () -> ParseableEndpoint.parseMetadata("stream=x"));
        assertThrows(IllegalArgumentException.class, () -> ParseableEndpoint.parseMetadata("bad name=x"));
        assertThrows(IllegalArgumentException.class, () -> ParseableEndpoint.parseMetadata("n=line\nbreak"));
    }
}
