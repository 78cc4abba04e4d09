package io.adagio.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.adagio.server.security.UserText;
import io.grpc.Status;
import java.util.LinkedHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders every error Armeria produces itself, before or instead of a service (a request it could
 * not parse, a path it refuses, headers over the limit, a body over the limit, an unknown route, a
 * timeout), in the API's shape: over HTTP the JSON body {@code {"code", "grpc-code", "message"}} with a
 * message that names the problem; to a gRPC client a gRPC status (HTTP 200 with {@code grpc-status}),
 * which is what a gRPC client can read. Never null: a request too broken to have headers still gets
 * an answer. A 503 carries {@code Retry-After}. A client's mistake is logged at DEBUG only.
 */
final class HttpErrorHandler implements ServerErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(HttpErrorHandler.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Seconds a client is asked to wait before trying again after a 503. */
    static final String RETRY_AFTER_SECONDS = "1";

    private final HttpLimits limits;

    HttpErrorHandler(HttpLimits limits) {
        this.limits = limits;
    }

    @Override
    public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
        // The default picks the status (503 for a timeout, 413 for a body over the limit, ...) and
        // then asks renderStatus below for the response.
        return null;
    }

    @Override
    public AggregatedHttpResponse renderStatus(
            ServiceRequestContext ctx,
            ServiceConfig config,
            RequestHeaders headers,
            HttpStatus status,
            String description,
            Throwable cause) {
        String message = message(status, description, cause, headers);
        var grpc = grpcStatus(status);
        log.debug("answered {} to a request Armeria refused: {}", status.code(), message);
        if (headers != null && isGrpc(headers.contentType())) {
            return grpcAnswer(headers.contentType(), grpc, message);
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("code", grpc.getCode().value());
        body.put("grpc-code", grpc.getCode().name());
        body.put("message", message);
        var responseHeaders = ResponseHeaders.builder(status).contentType(MediaType.JSON_UTF_8);
        if (status.code() == 503) {
            responseHeaders.add(HttpHeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        if (status.isContentAlwaysEmpty()) {
            return AggregatedHttpResponse.of(responseHeaders.build());
        }
        try {
            return AggregatedHttpResponse.of(
                    responseHeaders.build(), com.linecorp.armeria.common.HttpData.wrap(MAPPER.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings is always JSON", e);
        }
    }

    /** A trailers-only gRPC response: a gRPC client reads the status from it, never an HTTP error page. */
    private static AggregatedHttpResponse grpcAnswer(MediaType contentType, Status grpc, String message) {
        return AggregatedHttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                .contentType(contentType)
                .add("grpc-status", Integer.toString(grpc.getCode().value()))
                .add("grpc-message", UserText.grpcMessage(message))
                .build());
    }

    private String message(HttpStatus status, String description, Throwable cause, RequestHeaders headers) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof JsonProcessingException json) {
                return StrictJsonMarshaller.malformed(json);
            }
            if (t instanceof ContentTooLargeException) {
                return "request body is over the limit of " + limits.maxRequestBytes() + " bytes";
            }
            if (t instanceof NumberFormatException number) {
                return "invalid query parameter: expected an integer (" + UserText.quote(number.getMessage()) + ")";
            }
            if (t instanceof RequestTimeoutException) {
                return status.code() == 408
                        ? "the request did not arrive in time"
                        : "the server could not answer in time (the backend is slow or unreachable); try again later";
            }
        }
        if (cause instanceof IllegalArgumentException iae
                && iae.getMessage() != null
                && iae.getMessage().startsWith("Unexpected JSON")) {
            return "invalid request JSON: the body must be a JSON object";
        }
        if (cause instanceof IllegalArgumentException iae && iae.getMessage() != null) {
            // The transcoder's own words, e.g. "Unexpected JSON: [], (expected: ObjectNode or null)."
            return "invalid request: " + UserText.cap(iae.getMessage(), 500);
        }
        String request = headers == null ? "the request" : headers.method() + " " + UserText.quote(headers.path());
        return switch (status.code()) {
            case 400 -> "malformed HTTP request" + (description == null ? "" : ": " + description);
            case 404 -> "no such route: " + request;
            case 405 -> "method not allowed: " + request;
            case 408 -> "the request did not arrive in time";
            case 413 -> "request body is over the limit of " + limits.maxRequestBytes() + " bytes";
            case 414 -> "request line is over the limit of " + limits.maxRequestLineBytes() + " bytes";
            case 417 -> "unsupported Expect header: only 100-continue is";
            case 431 -> "request headers are over the limit of " + limits.maxHeaderBytes() + " bytes";
            default -> description != null ? description : status.reasonPhrase();
        };
    }

    private static boolean isGrpc(MediaType contentType) {
        return contentType != null && contentType.subtype().startsWith("grpc");
    }

    private static Status grpcStatus(HttpStatus status) {
        return switch (status.code()) {
            case 400, 414, 417 -> Status.INVALID_ARGUMENT;
            case 401 -> Status.UNAUTHENTICATED;
            case 403 -> Status.PERMISSION_DENIED;
            case 404 -> Status.NOT_FOUND;
            case 405, 501 -> Status.UNIMPLEMENTED;
            case 413, 431 -> Status.RESOURCE_EXHAUSTED;
            case 408, 503 -> Status.UNAVAILABLE;
            case 504 -> Status.DEADLINE_EXCEEDED;
            default -> status.isClientError() ? Status.INVALID_ARGUMENT : Status.INTERNAL;
        };
    }
}
