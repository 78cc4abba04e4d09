package io.adagio.server.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;

/**
 * A request the guard refuses, answered in the caller's protocol: over HTTP the API's JSON error
 * ({@code {"code", "grpc-code", "message"}}) with the HTTP status; over gRPC and gRPC-Web a
 * trailers-only response carrying the gRPC status, as a gRPC client expects (never an HTTP error page).
 */
record Rejection(HttpStatus http, Status.Code grpc, String message) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Rejection forbidden(String message) {
        return new Rejection(HttpStatus.FORBIDDEN, Status.Code.PERMISSION_DENIED, message);
    }

    static Rejection unauthenticated(String message) {
        return new Rejection(HttpStatus.UNAUTHORIZED, Status.Code.UNAUTHENTICATED, message);
    }

    static Rejection unsupportedMediaType(String message) {
        return new Rejection(HttpStatus.UNSUPPORTED_MEDIA_TYPE, Status.Code.INVALID_ARGUMENT, message);
    }

    HttpResponse render(RequestHeaders request) {
        String contentType = request.get(HttpHeaderNames.CONTENT_TYPE);
        if (ContentTypes.isGrpc(contentType)) {
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                    .contentType(MediaType.parse(contentType))
                    .add("grpc-status", Integer.toString(grpc.value()))
                    .add("grpc-message", percentEncode(message))
                    .endOfStream(true)
                    .build());
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("code", grpc.value());
        body.put("grpc-code", grpc.name());
        body.put("message", message);
        var headers = ResponseHeaders.builder(http).contentType(MediaType.JSON_UTF_8);
        if (http == HttpStatus.UNAUTHORIZED) {
            headers.add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"adagio\"");
        }
        try {
            return HttpResponse.of(
                    headers.build(), com.linecorp.armeria.common.HttpData.wrap(JSON.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings is always JSON", e);
        }
    }

    /** The grpc-message encoding: UTF-8, with bytes outside printable ASCII and '%' written as %XX. */
    static String percentEncode(String message) {
        var out = new StringBuilder();
        for (byte b : message.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }
}
