package io.adagio.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.ServerErrorHandler;
import com.linecorp.armeria.server.ServiceConfig;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Status;
import java.util.LinkedHashMap;

/**
 * Renders the errors Armeria produces before a request reaches the service (malformed JSON, a bad
 * query parameter, a body over the size limit, an unknown route) in the same JSON shape as the
 * service's own errors ({@code {"code", "grpc-code", "message"}}), with a message that names the
 * problem instead of a bare "400 Bad Request". gRPC requests keep Armeria's own handling.
 */
final class HttpErrorHandler implements ServerErrorHandler {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final long maxRequestBytes;

    HttpErrorHandler(long maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public HttpResponse onServiceException(ServiceRequestContext ctx, Throwable cause) {
        return null; // fall through to the default, which ends in renderStatus
    }

    @Override
    public AggregatedHttpResponse renderStatus(
            ServiceRequestContext ctx,
            ServiceConfig config,
            RequestHeaders headers,
            HttpStatus status,
            String description,
            Throwable cause) {
        var contentType = headers.contentType();
        if (contentType != null && contentType.subtype().startsWith("grpc")) {
            return null;
        }
        var grpc = grpcStatus(status);
        var body = new LinkedHashMap<String, Object>();
        body.put("code", grpc.getCode().value());
        body.put("grpc-code", grpc.getCode().name());
        body.put("message", message(status, description, cause, headers));
        try {
            return AggregatedHttpResponse.of(status, MediaType.JSON_UTF_8, MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private String message(HttpStatus status, String description, Throwable cause, RequestHeaders headers) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof JsonProcessingException json) {
                return StrictJsonMarshaller.malformed(json);
            }
            if (t instanceof ContentTooLargeException) {
                return "request body is over the limit of " + maxRequestBytes + " bytes";
            }
            if (t instanceof NumberFormatException number) {
                return "invalid query parameter: expected an integer (" + number.getMessage() + ")";
            }
        }
        if (status.code() == 413) {
            return "request body is over the limit of " + maxRequestBytes + " bytes";
        }
        if (cause instanceof IllegalArgumentException iae
                && iae.getMessage() != null
                && iae.getMessage().startsWith("Unexpected JSON")) {
            return "invalid request JSON: the body must be a JSON object";
        }
        if (cause instanceof IllegalArgumentException iae && iae.getMessage() != null) {
            // The transcoder's own words, e.g. "Unexpected JSON: [], (expected: ObjectNode or null)."
            return "invalid request: " + iae.getMessage();
        }
        if (status.code() == 404) {
            return "no such route: " + headers.method() + " " + headers.path();
        }
        if (status.code() == 405) {
            return "method " + headers.method() + " not allowed on " + headers.path();
        }
        return description != null ? description : status.reasonPhrase();
    }

    private static Status grpcStatus(HttpStatus status) {
        return switch (status.code()) {
            case 400 -> Status.INVALID_ARGUMENT;
            case 401 -> Status.UNAUTHENTICATED;
            case 403 -> Status.PERMISSION_DENIED;
            case 404 -> Status.NOT_FOUND;
            case 405, 501 -> Status.UNIMPLEMENTED;
            case 413 -> Status.RESOURCE_EXHAUSTED;
            case 503 -> Status.UNAVAILABLE;
            case 504 -> Status.DEADLINE_EXCEEDED;
            default -> status.isClientError() ? Status.INVALID_ARGUMENT : Status.INTERNAL;
        };
    }
}
