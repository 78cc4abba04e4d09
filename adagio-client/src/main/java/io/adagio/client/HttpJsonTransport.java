package io.adagio.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.adagio.client.AdagioClientException.Code;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The control plane over its HTTP/JSON routes (DESIGN §5), with the JDK's own HTTP/1.1 client and
 * protobuf JSON.
 *
 * <p>Why not gRPC: a command-line client makes one or two calls and exits, so start-up time is
 * what matters. gRPC needs an HTTP/2 stack (Netty or OkHttp plus Guava and gRPC's own runtime),
 * and loading and initialising that costs more than the calls themselves; the JDK's
 * {@link HttpURLConnection} is part of the base image that the JVM's class-data sharing archive
 * already covers. The routes carry the same messages, so nothing is lost.
 */
final class HttpJsonTransport {
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();

    private final String target;
    private final URI base;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;

    HttpJsonTransport(Target target, Duration connectTimeout, Duration callTimeout) {
        this.target = target.authority();
        this.base = target.baseUri();
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, callTimeout.toMillis());
    }

    String target() {
        return target;
    }

    <T extends Message.Builder> T get(String pathAndQuery, Supplier<T> response) {
        return call("GET", pathAndQuery, null, response);
    }

    <T extends Message.Builder> T put(String path, Message body, Supplier<T> response) {
        String json;
        try {
            json = PRINTER.print(body);
        } catch (InvalidProtocolBufferException e) {
            throw new AdagioClientException(Code.INVALID_ARGUMENT, target, "cannot encode the request: " + e.getMessage(), e);
        }
        return call("PUT", path, json.getBytes(StandardCharsets.UTF_8), response);
    }

    static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private <T extends Message.Builder> T call(String method, String pathAndQuery, byte[] body, Supplier<T> response) {
        try {
            var connection = (HttpURLConnection) base.resolve(pathAndQuery).toURL().openConnection();
            connection.setRequestMethod(method);
            connection.setConnectTimeout(connectTimeoutMillis);
            connection.setReadTimeout(readTimeoutMillis);
            connection.setUseCaches(false);
            connection.setRequestProperty("Accept", "application/json");
            if (body != null) {
                connection.setDoOutput(true);
                connection.setRequestProperty("Content-Type", "application/json; charset=utf-8");
                connection.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = connection.getResponseCode();
            if (status / 100 == 2) {
                String text = readAll(connection.getInputStream());
                T builder = response.get();
                try {
                    PARSER.merge(text, builder);
                } catch (InvalidProtocolBufferException | RuntimeException e) {
                    throw new AdagioClientException(Code.INTERNAL, target,
                            "the server at " + target + " sent a response this client cannot read: " + e.getMessage(), e);
                }
                return builder;
            }
            String text = readAll(connection.getErrorStream());
            throw ServerErrors.of(target, status, connection.getHeaderField("grpc-status"), text);
        } catch (ConnectException | NoRouteToHostException e) {
            throw new AdagioClientException(Code.UNAVAILABLE, target,
                    "cannot reach adagiod at " + target + ": " + reason(e, "connection refused"), e);
        } catch (UnknownHostException e) {
            throw new AdagioClientException(Code.UNAVAILABLE, target,
                    "cannot reach adagiod at " + target + ": unknown host " + e.getMessage(), e);
        } catch (SocketTimeoutException e) {
            throw new AdagioClientException(Code.DEADLINE_EXCEEDED, target,
                    "adagiod at " + target + " did not answer in time: " + reason(e, "timed out"), e);
        } catch (IOException e) {
            throw new AdagioClientException(Code.UNAVAILABLE, target,
                    "cannot talk to adagiod at " + target + ": " + reason(e, e.getClass().getSimpleName()), e);
        }
        // No disconnect(): once a body has been read the JDK keeps the connection for the next call.
    }

    private static String reason(IOException e, String fallback) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? fallback : m.toLowerCase(java.util.Locale.ROOT).startsWith("connection refused")
                ? "connection refused" : m;
    }

    private static String readAll(InputStream in) throws IOException {
        if (in == null) {
            return "";
        }
        try (in) {
            var out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
