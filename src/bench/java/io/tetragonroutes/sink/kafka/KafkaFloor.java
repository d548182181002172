package io.tetragonroutes.sink.kafka;

import io.tetragonroutes.bench.EndToEndBench;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;

/**
 * What the Kafka client alone costs on this machine: the floor under the Kafka sink, as the Jackson ceiling is the
 * roof over the pipeline. One thread sends records shaped like the sink's to the same broker: the value a copy of one
 * line of {@code source} (the file sink's output: the same JSON the Kafka sink sends), a pod uid as key, the type
 * and node headers, with the sink's own client settings ({@link KafkaSinkEndpoint#clientConfig}), and after each
 * 1,000 events a flush and a wait for every answer through the sink's own {@link KafkaSinkProducer.Acks}, as the
 * sink does per batch. No parsing and no Camel. Run in its own JVM with the app's JVM options (as the ceiling is,
 * without the app's archive), so its whole process's CPU (the I/O thread, JIT and GC included) compares with the
 * app's.
 * <p>
 * Arguments: {@code <bootstrap> <topic> <source> <events> <compression> <eventsPerRecord>}. With
 * {@code eventsPerRecord} above 1, each record carries that many lines, newline-delimited: what the sink would cost
 * if it grouped events into records. Prints one line, {@code events wallSeconds processCpuSeconds
 * senderThreadCpuSeconds meanValueBytes}, for the events after the first quarter.
 */
public final class KafkaFloor {

    /** Events between flushes: the tail's default batch. */
    private static final int BATCH = 1000;
    /** Lines kept in memory and sent over and over: about 70 MB, more than the CPU's caches hold, as new events. */
    private static final long SOURCE_LINES = 30_000;

    private KafkaFloor() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        long events = Long.parseLong(args[3]);
        int perRecord = Integer.parseInt(args[5]);
        List<byte[]> values = values(Path.of(args[2]), perRecord);

        KafkaSinkEndpoint settings = new KafkaSinkEndpoint(KafkaSinkComponent.SCHEME + ":" + topic,
                new KafkaSinkComponent(), topic);
        settings.setBrokers(bootstrap);
        settings.setCompression(args[4]);
        settings.validate();
        Random random = new Random(42);
        String[] keys = new String[110]; // one node's pods
        for (int i = 0; i < keys.length; i++) {
            keys[i] = new UUID(random.nextLong(), random.nextLong()).toString();
        }
        Header[] headers = {new RecordHeader(KafkaRecords.TYPE_HEADER, "process_exec".getBytes(StandardCharsets.UTF_8)),
                new RecordHeader(KafkaRecords.NODE_HEADER, "node-1".getBytes(StandardCharsets.UTF_8))};
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var threads = ManagementFactory.getThreadMXBean();

        try (Producer<String, byte[]> p = new KafkaProducer<>(new HashMap<>(settings.clientConfig()),
                new StringSerializer(), new ByteArraySerializer())) {
            if ("lz4".equals(args[4])) {
                Lz4Native.load(); // as the sink's component does
            }
            p.partitionsFor(topic);
            long sent = 0;
            long valueBytes = 0;
            long warmEvents = -1;
            long warmAt = 0;
            long warmProcess = 0;
            long warmThread = 0;
            int next = 0;
            while (sent < events) {
                if (warmEvents < 0 && sent >= events / 4) {
                    warmEvents = sent;
                    warmAt = System.nanoTime();
                    warmProcess = os.getProcessCpuTime();
                    warmThread = threads.getCurrentThreadCpuTime();
                    valueBytes = 0;
                }
                int records = Math.max(1, BATCH / perRecord);
                KafkaSinkProducer.Acks acks = new KafkaSinkProducer.Acks(records);
                for (int r = 0; r < records; r++) {
                    byte[] value = values.get(next++ % values.size()).clone(); // the sink copies its buffer too
                    valueBytes += value.length;
                    int index = r;
                    acks.sending();
                    p.send(new ProducerRecord<>(topic, null, keys[next % keys.length], value,
                            new RecordHeaders(headers.clone())), (metadata, e) -> acks.completed(index, e));
                }
                p.flush();
                if (!acks.await(60)) {
                    throw new IllegalStateException("records without an answer a minute after a flush");
                }
                for (int r = 0; r < records; r++) {
                    if (acks.error(r) != null) {
                        throw acks.error(r);
                    }
                }
                sent += (long) records * perRecord;
            }
            double wall = (System.nanoTime() - warmAt) / 1e9;
            double process = (os.getProcessCpuTime() - warmProcess) / 1e9;
            double thread = (threads.getCurrentThreadCpuTime() - warmThread) / 1e9;
            long counted = sent - warmEvents;
            System.out.printf(Locale.ROOT, "%d %.3f %.3f %.3f %d%n", counted, wall, process, thread,
                    valueBytes / (counted / perRecord));
        }
    }

    /** The first {@link #SOURCE_LINES} lines of {@code source}, {@code perRecord} to a value, newline-delimited. */
    private static List<byte[]> values(Path source, int perRecord) throws IOException {
        List<byte[]> values = new ArrayList<>();
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        int[] lines = {0};
        EndToEndBench.forEachLine(source, SOURCE_LINES, (buf, off, len) -> {
            if (lines[0] > 0) {
                value.write('\n');
            }
            value.write(buf, off, len);
            if (++lines[0] == perRecord) {
                values.add(value.toByteArray());
                value.reset();
                lines[0] = 0;
            }
        });
        if (values.isEmpty()) {
            throw new IllegalArgumentException(source + " has fewer than " + perRecord + " lines");
        }
        return values;
    }
}
