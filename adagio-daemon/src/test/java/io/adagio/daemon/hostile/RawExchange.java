package io.adagio.daemon.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 request written as raw bytes on a fresh connection, as {@code printf ... | nc} would,
 * and the server's answer read back by hand: nothing between the test and the server that could
 * tidy a malformed request up or hide a dropped connection. The body is written from another thread
 * so that a server refusing early (413 before the last byte) is still heard.
 */
final class RawExchange {
    private RawExchange() {}

    /** What came back: a status (-1 when no HTTP answer arrived), its headers and body, how long it took. */
    record Answer(int status, Map<String, String> headers, byte[] body, Duration took, String failure) {
        boolean answered() {
            return status > 0;
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return answered()
                    ? status + " in " + took.toMillis() + " ms: "
                            + bodyText().substring(0, Math.min(300, bodyText().length()))
                    : "no answer after " + took.toMillis() + " ms (" + failure + ")";
        }
    }

    static Answer send(InetSocketAddress server, byte[] request, Duration timeout) {
        long started = System.nanoTime();
        try (var socket = new Socket()) {
            socket.connect(server, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            var out = socket.getOutputStream();
            var writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int at = 0; at < request.length; at += 64 * 1024) {
                        out.write(request, at, Math.min(64 * 1024, request.length - at));
                    }
                    out.flush();
                } catch (IOException e) {
                    // The server stopped reading (it refused the request early): its answer is what counts.
                }
            });
            var answer = read(socket.getInputStream(), started);
            writer.join(timeout.toMillis());
            return answer;
        } catch (SocketTimeoutException e) {
            return new Answer(-1, Map.of(), new byte[0], since(started), "timed out");
        } catch (IOException e) {
            return new Answer(-1, Map.of(), new byte[0], since(started), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, Map.of(), new byte[0], since(started), "interrupted");
        }
    }

    private static Answer read(InputStream in, long started) throws IOException {
        while (true) {
            String statusLine = line(in);
            if (statusLine == null) {
                return new Answer(-1, Map.of(), new byte[0], since(started), "connection closed without an answer");
            }
            var parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                return new Answer(-1, Map.of(), new byte[0], since(started), "not HTTP: " + statusLine);
            }
            int status = Integer.parseInt(parts[1]);
            var headers = new LinkedHashMap<String, String>();
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon > 0) {
                    headers.merge(
                            h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            h.substring(colon + 1).trim(),
                            (a, b) -> a + ", " + b);
                }
            }
            if (status == 101) {
                // Switched protocols to h2c: the request itself is answered on HTTP/2 stream 1, and that
                // answer (which may have started a run) is the one that counts.
                return "h2c".equalsIgnoreCase(headers.get("upgrade"))
                        ? UpgradedAnswer.read(in, started)
                        : new Answer(status, headers, new byte[0], since(started), null);
            }
            if (status < 200) {
                continue; // 100 Continue: the real answer follows
            }
            byte[] body = body(in, headers);
            return new Answer(status, headers, body, since(started), null);
        }
    }

    private static byte[] body(InputStream in, Map<String, String> headers) throws IOException {
        if (headers.containsKey("content-length")) {
            return in.readNBytes(Integer.parseInt(headers.get("content-length")));
        }
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            var body = new ByteArrayOutputStream();
            while (true) {
                String size = line(in);
                if (size == null) {
                    return body.toByteArray();
                }
                int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                if (n == 0) {
                    line(in);
                    return body.toByteArray();
                }
                body.write(in.readNBytes(n));
                line(in);
            }
        }
        return in.readAllBytes();
    }

    /** One line without its CRLF; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b == -1 && line.size() == 0) {
            return null;
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static Duration since(long started) {
        return Duration.ofNanos(System.nanoTime() - started);
    }
}
