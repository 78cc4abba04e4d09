package io.adagio.server;

import com.linecorp.armeria.common.RequestContext;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.netty.util.AttributeKey;

/**
 * Marks a gRPC call once its request message has been decoded and handed to the service, so that a
 * failure before that point is known to be about the request as the client framed it, not about the
 * service's work ({@link GrpcErrorHandler}).
 */
final class RequestDecoded implements ServerInterceptor {
    private static final AttributeKey<Boolean> DECODED = AttributeKey.valueOf(RequestDecoded.class, "decoded");

    static boolean in(RequestContext ctx) {
        return Boolean.TRUE.equals(ctx.attr(DECODED));
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        var ctx = ServiceRequestContext.currentOrNull();
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            public void onMessage(Q message) {
                if (ctx != null) {
                    ctx.setAttr(DECODED, true);
                }
                super.onMessage(message);
            }
        };
    }
}
