package io.adagio.server;

import com.google.protobuf.InvalidProtocolBufferException;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.server.RequestTimeoutException;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.adagio.core.repository.RepositoryException;
import io.adagio.server.security.UserText;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.netty.util.AttributeKey;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one table from failures to statuses (docs/ARCHITECTURE.md, "Error mapping"), for gRPC and for
 * HTTP. A client sees the message written for it, never a stack trace, and never a 5xx for its own
 * mistake: a request the transport could not read (not protobuf, not JSON, over the size limit) is
 * INVALID_ARGUMENT or RESOURCE_EXHAUSTED wherever in the chain of causes the reason is found. A store
 * that is slow or away is UNAVAILABLE, logged as one WARN line at most every few seconds. Anything
 * unexpected is logged here and reported as INTERNAL with a generic message. Every description is cut
 * to {@value #MAX_DESCRIPTION_BYTES} bytes, so that it fits a gRPC trailer whatever it quotes.
 */
public final class ErrorMapping {
    private static final Logger log = LoggerFactory.getLogger(ErrorMapping.class);

    /**
     * Set on a request whose store is out of space: its RESOURCE_EXHAUSTED is HTTP 507 (Insufficient
     * Storage), not the 413 of a request over a size limit. gRPC has one code for both; the message
     * tells them apart for a gRPC client.
     */
    private static final AttributeKey<Boolean> STORAGE_FULL = AttributeKey.valueOf(ErrorMapping.class, "storageFull");
    /** The longest description sent back, in bytes of UTF-8 (clients refuse trailers over 8 KiB). */
    static final int MAX_DESCRIPTION_BYTES = 2000;

    private static final RateLimitedLog unavailable = new RateLimitedLog(log, Duration.ofSeconds(10));

    private ErrorMapping() {}

    public static Status toStatus(Throwable error) {
        var status = map(error);
        String description = UserText.cap(status.getDescription(), MAX_DESCRIPTION_BYTES);
        return description == null ? status : status.withDescription(description);
    }

    /**
     * The status for a failure before the request reached the service (gRPC could not frame,
     * decompress or decode it): the request's fault, INVALID_ARGUMENT unless the transport named a
     * more precise client error (RESOURCE_EXHAUSTED for a message over the limit, UNIMPLEMENTED for an
     * unknown compression). Nothing is logged above DEBUG: the client sent it, the server is fine.
     */
    static Status toStatusOfUnreadRequest(Throwable error) {
        var status = requestFault(error);
        if (status == null) {
            Status reported = error instanceof StatusRuntimeException e
                    ? e.getStatus()
                    : error instanceof StatusException e ? e.getStatus() : Status.fromThrowable(error);
            status = switch (reported.getCode()) {
                case INTERNAL, UNKNOWN, DATA_LOSS ->
                    Status.INVALID_ARGUMENT.withDescription("malformed gRPC request: "
                            + (reported.getDescription() != null
                                    ? reported.getDescription()
                                    : String.valueOf(error.getMessage())));
                default -> reported;
            };
            log.debug("refused a gRPC request that could not be read", error);
        }
        String description = UserText.cap(status.getDescription(), MAX_DESCRIPTION_BYTES);
        return description == null ? status : status.withDescription(description);
    }

    private static Status map(Throwable error) {
        if (error instanceof RepositoryException e) {
            return repository(e);
        }
        var mistake = requestFault(error);
        if (mistake != null) {
            return mistake;
        }
        if (error instanceof StatusRuntimeException e) {
            return e.getStatus();
        }
        if (error instanceof StatusException e) {
            return e.getStatus();
        }
        if (error instanceof IllegalArgumentException e) {
            // Thrown by model constructors for values a client sent (for example a negative limit).
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage());
        }
        log.error("unexpected error serving a request", error);
        return Status.INTERNAL.withDescription("internal error (see the server log)");
    }

    /** {@link #toHttpStatus(Status)}, but 507 for a store out of space (see {@link #STORAGE_FULL}). */
    public static HttpStatus toHttpStatus(RequestContext ctx, Status status) {
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED
                && ctx != null
                && Boolean.TRUE.equals(ctx.attr(STORAGE_FULL))) {
            return HttpStatus.INSUFFICIENT_STORAGE;
        }
        return toHttpStatus(status);
    }

    private static Status repository(RepositoryException e) {
        return switch (e) {
            case RepositoryException.InvalidSpec s -> Status.INVALID_ARGUMENT.withDescription(s.getMessage());
            case RepositoryException.InvalidRequest s -> Status.INVALID_ARGUMENT.withDescription(s.getMessage());
            case RepositoryException.NotFound s -> Status.NOT_FOUND.withDescription(s.getMessage());
            case RepositoryException.FailedPrecondition s -> Status.FAILED_PRECONDITION.withDescription(s.getMessage());
            case RepositoryException.NotReady s -> Status.FAILED_PRECONDITION.withDescription(s.getMessage());
            case RepositoryException.StaleClaim s -> Status.FAILED_PRECONDITION.withDescription(s.getMessage());
            case RepositoryException.LimitExceeded s -> Status.RESOURCE_EXHAUSTED.withDescription(s.getMessage());
            case RepositoryException.Unavailable s -> {
                unavailable.warn("backend unavailable: " + s.getMessage() + cause(s));
                yield Status.UNAVAILABLE.withDescription(s.getMessage());
            }
            case RepositoryException.StorageFull s -> {
                log.warn("backend full: {}", s.getMessage());
                var ctx = ServiceRequestContext.currentOrNull();
                if (ctx != null) {
                    ctx.setAttr(STORAGE_FULL, Boolean.TRUE);
                }
                yield Status.RESOURCE_EXHAUSTED.withDescription(s.getMessage());
            }
            case RepositoryException.Contention s -> {
                unavailable.warn("backend contention: " + s.getMessage());
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

    /**
     * What the transport reports when it could not take a request in (or not in time): protobuf that
     * does not parse, a message or body over the limit, a deadline that passed while the store did not
     * answer. Found anywhere in the chain of causes, since gRPC wraps them in INTERNAL statuses.
     */
    private static Status requestFault(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidProtocolBufferException e) {
                return Status.INVALID_ARGUMENT.withDescription(
                        "invalid request: not a valid protobuf message of this method's request type (" + e.getMessage()
                                + ")");
            }
            if (t instanceof ContentTooLargeException e) {
                return Status.RESOURCE_EXHAUSTED.withDescription(
                        "request is over the limit of " + e.maxContentLength() + " bytes");
            }
            if (t instanceof RequestTimeoutException) {
                // The server's own deadline, set above the store's: the store was too slow this time.
                unavailable.warn("a request timed out: the backend did not answer in time");
                return Status.UNAVAILABLE.withDescription("the server could not answer in time (the backend is slow"
                        + " or unreachable); try again later");
            }
        }
        return null;
    }

    private static String cause(Throwable e) {
        return e.getCause() == null ? "" : " (" + e.getCause() + ")";
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
