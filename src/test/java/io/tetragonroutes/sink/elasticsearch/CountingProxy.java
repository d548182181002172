package io.tetragonroutes.sink.elasticsearch;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on loopback in front of a real server that counts the HTTP/1.1 requests going through it (request
 * lines end in {@code " HTTP/1.1\r\n"}; NDJSON bodies never hold that), so a test can tell how often a sink called.
 */
public final class CountingProxy implements AutoCloseable {

    private static final byte[] MARK = " HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private final ServerSocket server;
    private final AtomicInteger requests = new AtomicInteger();

    public CountingProxy(int targetPort) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    pump(client.getInputStream(), upstream.getOutputStream(), true, client, upstream);
                    pump(upstream.getInputStream(), client.getOutputStream(), false, client, upstream);
                } catch (IOException closed) {
                    return;
                }
            }
        }, "counting-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    public int requests() {
        return requests.get();
    }

    private void pump(InputStream in, OutputStream out, boolean count, Socket a, Socket b) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            int matched = 0;
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (count) {
                        for (int i = 0; i < n; i++) {
                            matched = buf[i] == MARK[matched] ? matched + 1 : buf[i] == MARK[0] ? 1 : 0;
                            if (matched == MARK.length) {
                                requests.incrementAndGet();
                                matched = 0;
                            }
                        }
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side closed
            } finally {
                try {
                    a.close();
                    b.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }, "counting-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
