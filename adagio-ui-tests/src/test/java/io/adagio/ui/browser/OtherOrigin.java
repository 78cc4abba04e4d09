package io.adagio.ui.browser;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Another web site: a tiny HTTP server on another loopback port (so another origin) serving one
 * page whose script calls adagiod's API with fetch.
 */
final class OtherOrigin implements AutoCloseable {
    private final HttpServer server;

    private OtherOrigin(HttpServer server) {
        this.server = server;
    }

    static OtherOrigin start() {
        byte[] page;
        try (InputStream in = OtherOrigin.class.getResourceAsStream("/cors-page.html")) {
            page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            var server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, page.length);
                try (var body = exchange.getResponseBody()) {
                    body.write(page);
                }
            });
            server.start();
            return new OtherOrigin(server);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The page, calling the API at {@code api}. */
    String pageCalling(String api) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/?api=" + api;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
