package io.adagio.server;

import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.common.grpc.GrpcExceptionHandlerFunction;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * The gRPC service's exception handler: every failure through {@link ErrorMapping}, except what only
 * the call can tell. A request the framework could not take in (a message it could not frame or
 * decompress, a stream that ended before its message) arrives as INTERNAL or UNKNOWN before the service
 * ever saw a message: that is the client's malformed request, INVALID_ARGUMENT. A timeout is the
 * client's own deadline when it sent one (DEADLINE_EXCEEDED), else the server's (UNAVAILABLE).
 */
final class GrpcErrorHandler implements GrpcExceptionHandlerFunction {
    @Override
    public Status apply(RequestContext ctx, Status status, Throwable cause, Metadata metadata) {
        if (isTimeout(cause)
                && ctx instanceof ServiceRequestContext service
                && service.request().headers().contains("grpc-timeout")) {
            return Status.DEADLINE_EXCEEDED.withDescription(
                    "the call's deadline passed before the server could answer");
        }
        return RequestDecoded.in(ctx) ? ErrorMapping.toStatus(cause) : ErrorMapping.toStatusOfUnreadRequest(cause);
    }

    private static boolean isTimeout(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RequestTimeoutException) {
                return true;
            }
        }
        return false;
    }
}
