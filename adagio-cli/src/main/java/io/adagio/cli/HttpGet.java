package io.adagio.cli;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 GET over a plain socket: what the lean path needs of an HTTP client, without the
 * start-up of {@code java.net.http} (its selector thread and executor) or of gRPC. Plaintext only;
 * the caller leaves TLS to the full client.
 */
final class HttpGet {
    /** Longest response accepted: far above any listing, a guard against a stream that never ends. */
    private static final int MAX_BODY = 512 << 20;

    /** The status, the headers (names in lower case) and the body of a response. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private HttpGet() {}

    /**
     * @param authority the Host header: {@code host:port} as the address named the server
     * @param token     null, or the bearer token to send
     * @param timeoutMs how long to wait to connect, and for each read
     */
    static Response get(String host, int port, String authority, String pathAndQuery, String token, int timeoutMs)
            throws IOException {
        try (var socket = connect(host, port, timeoutMs)) {
            socket.setSoTimeout(timeoutMs);
            socket.setTcpNoDelay(true);
            var request = new StringBuilder(256)
                    .append("GET ")
                    .append(pathAndQuery)
                    .append(" HTTP/1.1\r\nHost: ")
                    .append(authority)
                    .append("\r\nAccept: application/json\r\nConnection: close\r\n");
            if (token != null) {
                request.append("Authorization: Bearer ").append(token).append("\r\n");
            }
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return read(new java.io.BufferedInputStream(socket.getInputStream(), 1 << 16));
        }
    }

    /** Each address of the host in turn (localhost may be ::1 and 127.0.0.1), as gRPC's resolver does. */
    private static Socket connect(String host, int port, int timeoutMs) throws IOException {
        IOException failure = null;
        for (var address : InetAddress.getAllByName(host)) {
            var socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(address, port), timeoutMs);
                return socket;
            } catch (IOException e) {
                socket.close();
                failure = e;
            }
        }
        throw failure != null ? failure : new IOException("no address for " + host);
    }

    static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        // "HTTP/1.1 200 OK"
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP/1.x response: " + statusLine);
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad status line: " + statusLine, e);
        }
        var headers = new LinkedHashMap<String, String>();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.merge(
                        h.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        h.substring(colon + 1).strip(),
                        (a, b) -> a + ", " + b);
            }
        }
        byte[] body;
        if (headers.getOrDefault("transfer-encoding", "")
                .toLowerCase(Locale.ROOT)
                .contains("chunked")) {
            body = chunked(in);
        } else if (headers.containsKey("content-length")) {
            long length;
            try {
                length = Long.parseLong(headers.get("content-length"));
            } catch (NumberFormatException e) {
                throw new IOException("bad content-length", e);
            }
            if (length < 0 || length > MAX_BODY) {
                throw new IOException("content-length out of range: " + length);
            }
            body = in.readNBytes((int) length);
            if (body.length != length) {
                throw new EOFException("response ended early");
            }
        } else {
            body = in.readNBytes(MAX_BODY);
        }
        return new Response(status, headers, body);
    }

    private static byte[] chunked(InputStream in) throws IOException {
        var body = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            int semicolon = size.indexOf(';');
            int n;
            try {
                n = Integer.parseInt((semicolon >= 0 ? size.substring(0, semicolon) : size).strip(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size", e);
            }
            if (n < 0 || body.size() + (long) n > MAX_BODY) {
                throw new IOException("chunk size out of range");
            }
            if (n == 0) {
                while (!line(in).isEmpty()) {
                    // trailers: not needed
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(n);
            if (chunk.length != n) {
                throw new EOFException("response ended early");
            }
            body.write(chunk);
            line(in);
        }
    }

    /** A header line without its CRLF (ISO-8859-1, at most 64 KiB). */
    private static String line(InputStream in) throws IOException {
        var b = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("response ended early");
            }
            if (c == '\n') {
                int end = b.length();
                if (end > 0 && b.charAt(end - 1) == '\r') {
                    b.setLength(end - 1);
                }
                return b.toString();
            }
            if (b.length() >= 65_536) {
                throw new IOException("header line too long");
            }
            b.append((char) c);
        }
    }
}
