package io.adagio.server.watch;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.RunUpdate;
import io.adagio.proto.controlplane.WatchRequest;
import io.adagio.proto.controlplane.WatchResponse;
import io.adagio.server.ErrorMapping;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code Watch} RPC: a run's updates as WatchResponse messages, sent only while the call is
 * ready (gRPC flow control), so a client that reads slowly is sent coalesced updates instead of
 * making the server buffer. A cancelled call releases its watch.
 */
public final class GrpcWatch {
    private final WatchHub hub;

    public GrpcWatch(WatchHub hub) {
        this.hub = hub;
    }

    public void serve(WatchRequest request, StreamObserver<WatchResponse> responses) {
        var call = (ServerCallStreamObserver<WatchResponse>) responses;
        var ctx = ServiceRequestContext.currentOrNull();
        if (ctx != null && !ctx.request().headers().contains("grpc-timeout")) {
            // A stream lasts as long as its run; only a deadline the client set ends it early.
            ctx.clearRequestTimeout();
        }
        // The handlers are set before the method returns, as gRPC wants, and before the session exists.
        var session = new AtomicReference<WatchSession>();
        var cancelled = new AtomicBoolean();
        call.setOnCancelHandler(() -> {
            cancelled.set(true);
            var s = session.get();
            if (s != null) {
                s.close();
            }
        });
        call.setOnReadyHandler(() -> {
            var s = session.get();
            if (s != null) {
                s.onReady();
            }
        });
        try {
            session.set(hub.open(request.getId(), 0, opening -> new Sink(call, opening.codec())));
        } catch (RuntimeException e) {
            call.onError(ErrorMapping.toStatus(e).asRuntimeException());
            return;
        }
        if (cancelled.get()) {
            session.get().close();
        }
    }

    private record Sink(ServerCallStreamObserver<WatchResponse> call, RunCodec codec) implements WatchSession.Sink {
        @Override
        public boolean ready() {
            return call.isReady() && !call.isCancelled();
        }

        @Override
        public void send(RunUpdate update) {
            call.onNext(codec.message(update).proto());
        }

        @Override
        public void heartbeat() {
            // HTTP/2 has pings of its own.
        }

        @Override
        public void complete() {
            call.onCompleted();
        }

        @Override
        public void fail(RepositoryException error) {
            call.onError(ErrorMapping.toStatus(error).asRuntimeException());
        }
    }
}
