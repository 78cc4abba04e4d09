package io.adagio.server;

import com.linecorp.armeria.common.HttpStatus;
import io.adagio.core.repository.RepositoryException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one table from failures to statuses (docs/ARCHITECTURE.md, "Error mapping"), for gRPC and for HTTP. A client sees the
 * message written for it, never a stack trace; anything unexpected is logged here and reported as
 * INTERNAL with a generic message.
 */
public final class ErrorMapping {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);

    private ErrorMapping() {}

    public static Status toStatus(Throwable error) {
        if (error instanceof StatusRuntimeException e) {
            return e.getStatus();
        }
        if (error instanceof StatusException e) {
            return e.getStatus();
        }
        if (error instanceof RepositoryException e) {
            return switch (e) {
                case RepositoryException.InvalidSpec s -> Status.INVALID_ARGUMENT.withDescription(s.getMessage());
                case RepositoryException.InvalidRequest s -> Status.INVALID_ARGUMENT.withDescription(s.getMessage());
                case RepositoryException.NotFound s -> Status.NOT_FOUND.withDescription(s.getMessage());
                case RepositoryException.FailedPrecondition s ->
                    Status.FAILED_PRECONDITION.withDescription(s.getMessage());
                case RepositoryException.NotReady s -> Status.FAILED_PRECONDITION.withDescription(s.getMessage());
                case RepositoryException.StaleClaim s -> Status.FAILED_PRECONDITION.withDescription(s.getMessage());
                case RepositoryException.LimitExceeded s -> Status.RESOURCE_EXHAUSTED.withDescription(s.getMessage());
                case RepositoryException.Unavailable s -> {
                    log.warn("backend unavailable: {}", s.getMessage(), s.getCause());
                    yield Status.UNAVAILABLE.withDescription(s.getMessage());
                }
                case RepositoryException.Contention s -> {
                    log.warn("backend contention: {}", s.getMessage());
                    yield Status.UNAVAILABLE.withDescription(s.getMessage());
                }
                case RepositoryException.StorageFormat s -> {
                    // The server's problem, not the client's, and no retry helps until an operator acts.
                    log.error("the backend holds data this server cannot read: {}", s.getMessage());
                    yield Status.INTERNAL.withDescription(
                            "the backend holds data this server cannot read: " + s.getMessage());
                }
                case RepositoryException.AccessDenied s -> {
                    log.error("the backend refused this server's credentials: {}", s.getMessage());
                    yield Status.UNAVAILABLE.withDescription(
                            "the backend refused this server's credentials: " + s.getMessage());
                }
            };
        }
        if (error instanceof com.google.protobuf.InvalidProtocolBufferException e) {
            // A request the protobuf parser refused (bad base64, an unparsable value, a corrupt message).
            return Status.INVALID_ARGUMENT.withDescription("invalid request: " + e.getMessage());
        }
        if (error instanceof IllegalArgumentException e) {
            // Thrown by model constructors for values a client sent (for example a negative limit).
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage());
        }
        log.error("unexpected error serving a request", error);
        return Status.INTERNAL.withDescription("internal error (see the server log)");
    }

    /**
     * The HTTP status for a gRPC status on the HTTP/JSON routes. The standard mapping turns
     * RESOURCE_EXHAUSTED into 429 (rate limiting); ours means "over a size limit", which is 413.
     */
    public static HttpStatus toHttpStatus(Status status) {
        return switch (status.getCode()) {
            case OK -> HttpStatus.OK;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> HttpStatus.BAD_REQUEST;
            // Not allowed in the run's current state (rerun or delete of a run still running).
            case FAILED_PRECONDITION -> HttpStatus.CONFLICT;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case ALREADY_EXISTS, ABORTED -> HttpStatus.CONFLICT;
            case RESOURCE_EXHAUSTED -> HttpStatus.REQUEST_ENTITY_TOO_LARGE;
            case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
            case PERMISSION_DENIED -> HttpStatus.FORBIDDEN;
            case UNIMPLEMENTED -> HttpStatus.NOT_IMPLEMENTED;
            case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
            case DEADLINE_EXCEEDED -> HttpStatus.GATEWAY_TIMEOUT;
            case CANCELLED -> HttpStatus.valueOf(499);
            case UNKNOWN, INTERNAL, DATA_LOSS -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }
}
