package io.tetragonroutes.tail;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;

/**
 * The process {@link KillNineTest} kills: tails an export into a durable sink (append + fsync per batch, so what the
 * sink accepted survives the kill) and runs until killed. Args: export path, data dir, output file.
 */
public final class CrashTarget {

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[2]);
        FileChannel sink = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        CamelContext camel = new DefaultCamelContext();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("tetragon-tail:" + args[0] + "?dataDir=" + args[1] + "&batchSize=50&lingerMs=0&pollDelayMs=20")
                        .process(ex -> {
                            ByteArrayOutputStream buf = new ByteArrayOutputStream();
                            for (Line l : ex.getMessage().getBody(LineBatch.class).lines()) {
                                buf.write(l.buf(), l.off(), l.len());
                                buf.write('\n');
                            }
                            sink.write(ByteBuffer.wrap(buf.toByteArray()));
                            sink.force(false);
                        });
            }
        });
        camel.start();
        System.out.println("started");
        new CountDownLatch(1).await();
    }
}
