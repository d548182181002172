package io.tetragonroutes.sink.elasticsearch;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * The target of the documents: a fixed name (a data stream such as {@code logs-cilium_tetragon.log-default}, or an
 * index or alias), or an index name with one Filebeat-style date pattern {@code %{+yyyy.MM.dd}} filled in from the
 * event's time (UTC), compiled once.
 */
record IndexName(String prefix, DateTimeFormatter date, String suffix) {

    static IndexName parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("Elasticsearch index must not be empty");
        }
        if (!text.equals(text.toLowerCase(Locale.ROOT)) && !text.contains("%{")) {
            throw new IllegalArgumentException("Elasticsearch index '" + text + "' must be lower case");
        }
        int start = text.indexOf("%{+");
        if (start < 0) {
            return new IndexName(text, null, "");
        }
        int end = text.indexOf('}', start);
        if (end < 0) {
            throw new IllegalArgumentException("Elasticsearch index '" + text + "': unclosed %{+pattern}");
        }
        try {
            DateTimeFormatter f = DateTimeFormatter.ofPattern(text.substring(start + 3, end), Locale.ROOT)
                    .withZone(ZoneOffset.UTC);
            return new IndexName(text.substring(0, start), f, text.substring(end + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Elasticsearch index '" + text + "': bad date pattern: " + e.getMessage());
        }
    }

    /** {@code logs-<dataset>-<namespace>}, {@code metrics-…}, {@code traces-…}: Elastic's data stream naming. */
    boolean isDataStream() {
        return date == null && (prefix.startsWith("logs-") || prefix.startsWith("metrics-")
                || prefix.startsWith("traces-")) && prefix.split("-", 3).length == 3;
    }

    String forTime(String time) {
        if (date == null) {
            return prefix;
        }
        OffsetDateTime t;
        try {
            t = time == null ? OffsetDateTime.now(ZoneOffset.UTC) : OffsetDateTime.parse(time);
        } catch (DateTimeParseException e) {
            t = OffsetDateTime.now(ZoneOffset.UTC);
        }
        return prefix + date.format(t) + suffix;
    }
}
