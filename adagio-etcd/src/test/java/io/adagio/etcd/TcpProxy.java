package io.adagio.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A loopback TCP proxy in front of one etcd member, so a test can cut one client off from etcd
 * (and let it back), or stall its connections (a network that holds packets without closing
 * anything), while other clients keep working.
 */
final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean refusing;
    private final ReentrantLock stall = new ReentrantLock();
    private final Condition moving = stall.newCondition();
    private boolean stalled;
    private volatile boolean closed;

    TcpProxy(String targetUrl) throws IOException {
        var uri = URI.create(targetUrl);
        targetHost = uri.getHost();
        targetPort = uri.getPort();
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("proxy-accept").start(this::acceptLoop);
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Drops every connection and refuses new ones until {@link #restore()}. */
    void cut() {
        refusing = true;
        for (var s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    void restore() {
        refusing = false;
    }

    /** Holds every byte in both directions, connections left open, until {@link #resume()}. */
    void stall() {
        stall.lock();
        try {
            stalled = true;
        } finally {
            stall.unlock();
        }
    }

    void resume() {
        stall.lock();
        try {
            stalled = false;
            moving.signalAll();
        } finally {
            stall.unlock();
        }
    }

    private void awaitMoving() throws IOException {
        stall.lock();
        try {
            while (stalled && !closed) {
                moving.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stalled", e);
        } finally {
            stall.unlock();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                var client = server.accept();
                if (refusing) {
                    closeQuietly(client);
                    continue;
                }
                var upstream = new Socket(targetHost, targetPort);
                open.add(client);
                open.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16384];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                awaitMoving();
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // connection ended
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        resume();
        cut();
        server.close();
    }
}
