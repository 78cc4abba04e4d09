package io.adagio.client;

import io.adagio.client.AdagioClientException.Code;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * The control plane over gRPC, on OkHttp's HTTP/2 transport.
 *
 * <p>Why this transport: the {@code adagio} CLI makes one or two calls and exits, so its start-up
 * time is what users feel. Measured cold (one JVM per call, class-data sharing on, 2 and 43 runs
 * listed): gRPC on OkHttp used the least CPU; the HTTP/JSON routes with {@code HttpURLConnection}
 * cost the same for small answers and about half as much again for large ones (reflective
 * protobuf JSON parsing); gRPC on Netty and {@code java.net.http} cost about twice as much.
 * Binary protobuf also keeps big listings small on the wire.
 */
final class GrpcTransport implements AutoCloseable {
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /** Listings of many runs are large; the server bounds requests, not answers. */
    private static final int MAX_INBOUND_BYTES = 256 * 1024 * 1024;

    private final Target target;
    private final ManagedChannel channel;
    private final ControlPlaneGrpc.ControlPlaneBlockingStub stub;
    private final Duration callTimeout;

    private final boolean tls;

    GrpcTransport(Target target, Duration callTimeout, Credentials credentials) {
        this.target = target;
        this.callTimeout = callTimeout;
        this.tls = target.tls() || credentials.tls();
        this.channel = OkHttpChannelBuilder.forAddress(
                        target.host(), target.port(), credentials.channelCredentials(target.tls()))
                .maxInboundMessageSize(MAX_INBOUND_BYTES)
                .userAgent("adagio-java-client")
                .build();
        var stub = ControlPlaneGrpc.newBlockingStub(channel);
        if (credentials.token() != null) {
            var headers = new Metadata();
            headers.put(AUTHORIZATION, "Bearer " + credentials.token());
            stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        this.stub = stub;
    }

    String target() {
        return target.authority();
    }

    /** Makes one call with the call timeout as its deadline; every failure becomes an {@link AdagioClientException}. */
    <T> T call(Function<ControlPlaneGrpc.ControlPlaneBlockingStub, T> call) {
        try {
            return call.apply(stub.withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (StatusRuntimeException e) {
            throw translate(e.getStatus(), e);
        }
    }

    /**
     * Opens a server stream, without a deadline unless one is given (a stream lasts as long as what
     * it follows); every failure, then or while reading, becomes an {@link AdagioClientException}.
     */
    <T> Stream<T> stream(Function<ControlPlaneGrpc.ControlPlaneBlockingStub, Iterator<T>> call, Duration deadline) {
        var context = Context.current().withCancellation();
        var s = deadline == null ? stub : stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
        try {
            return new Stream<>(context.call(() -> call.apply(s)), context);
        } catch (StatusRuntimeException e) {
            context.cancel(null);
            throw translate(e.getStatus(), e);
        } catch (Exception e) {
            context.cancel(e);
            throw new AdagioClientException(Code.UNKNOWN, target(), "cannot open a stream: " + e.getMessage(), e);
        }
    }

    /** A server stream's messages, read blocking, until it ends or is cancelled. */
    final class Stream<T> implements Iterator<T> {
        private final Iterator<T> messages;
        private final Context.CancellableContext context;

        private Stream(Iterator<T> messages, Context.CancellableContext context) {
            this.messages = messages;
            this.context = context;
        }

        @Override
        public boolean hasNext() {
            if (context.isCancelled()) {
                return false;
            }
            try {
                return messages.hasNext();
            } catch (StatusRuntimeException e) {
                if (context.isCancelled()) {
                    return false;
                }
                throw translate(e.getStatus(), e);
            }
        }

        @Override
        public T next() {
            try {
                return messages.next();
            } catch (StatusRuntimeException e) {
                throw translate(e.getStatus(), e);
            }
        }

        String target() {
            return GrpcTransport.this.target();
        }

        void cancel() {
            context.cancel(null);
        }
    }

    private AdagioClientException translate(Status status, StatusRuntimeException e) {
        String where = target.authority();
        Code code = code(status.getCode());
        if (status.getCode() == Status.Code.UNAUTHENTICATED) {
            String description = status.getDescription() == null ? "credentials required" : status.getDescription();
            return new AdagioClientException(
                    code, where, "adagiod at " + where + " refused the call: " + oneLine(description), e);
        }
        if (status.getCode() == Status.Code.UNAVAILABLE || isTransportFailure(status)) {
            Throwable cause = rootCause(status.getCause());
            String reason = switch (cause) {
                case ConnectException c -> "connection refused";
                case NoRouteToHostException n -> "no route to host";
                case UnknownHostException u -> "unknown host " + target.host();
                case SSLHandshakeException h ->
                    "TLS handshake failed (" + h.getMessage()
                            + "): check that adagiod serves TLS on this port, the CA file and the client certificate";
                case SSLException s ->
                    "TLS failed (" + s.getMessage() + ")" + (tls ? ": is adagiod serving TLS on this port?" : "");
                case null -> status.getDescription();
                default -> cause.getMessage() != null ? cause.getMessage() : status.getDescription();
            };
            if (!tls && looksLikeTlsServer(status)) {
                reason = reason + " (does adagiod serve TLS here? use https://" + where + " or -tls)";
            }
            return new AdagioClientException(
                    code,
                    where,
                    "cannot reach adagiod at " + where + ": " + (reason == null ? "unavailable" : oneLine(reason)),
                    e);
        }
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
            return new AdagioClientException(
                    code, where, "adagiod at " + where + " did not answer within " + callTimeout.toMillis() + " ms", e);
        }
        String description = status.getDescription();
        if (description == null || description.isBlank()) {
            description = "adagiod at " + where + " answered " + status.getCode();
        }
        return new AdagioClientException(code, where, oneLine(description), e);
    }

    /**
     * A plaintext HTTP/2 client talking to a TLS port sees the connection closed or garbage instead of
     * a gRPC answer; grpc-java reports that as UNAVAILABLE or, after a protocol error, as UNKNOWN or INTERNAL.
     */
    private static boolean isTransportFailure(Status status) {
        return (status.getCode() == Status.Code.UNKNOWN || status.getCode() == Status.Code.INTERNAL)
                && status.getCause() != null;
    }

    private static boolean looksLikeTlsServer(Status status) {
        String text = String.valueOf(status.getDescription()) + " " + rootCause(status.getCause());
        return text.contains("End of stream")
                || text.contains("closed")
                || text.contains("Protocol")
                || text.contains("frame")
                || text.contains("EOF");
    }

    static Code code(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, OUT_OF_RANGE -> Code.INVALID_ARGUMENT;
            case FAILED_PRECONDITION -> Code.FAILED_PRECONDITION;
            case NOT_FOUND -> Code.NOT_FOUND;
            case RESOURCE_EXHAUSTED -> Code.RESOURCE_EXHAUSTED;
            case UNAVAILABLE -> Code.UNAVAILABLE;
            case UNAUTHENTICATED -> Code.UNAUTHENTICATED;
            case PERMISSION_DENIED -> Code.PERMISSION_DENIED;
            case DEADLINE_EXCEEDED -> Code.DEADLINE_EXCEEDED;
            case INTERNAL, DATA_LOSS, UNIMPLEMENTED -> Code.INTERNAL;
            default -> Code.UNKNOWN;
        };
    }

    private static Throwable rootCause(Throwable t) {
        while (t != null && t.getCause() != null && t.getCause() != t) {
            if (t instanceof ConnectException
                    || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException
                    || t instanceof SSLException) {
                return t;
            }
            t = t.getCause();
        }
        return t;
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
