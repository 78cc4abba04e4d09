package io.adagio.etcd;

import io.etcd.jetcd.api.TxnRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;

/**
 * A test's look at each etcd transaction a repository is about to send (install it with
 * {@code EtcdRepository.connect(settings, interceptor)}): to measure it, to act just before it, or
 * to cut it short as a crash would.
 */
abstract class TxnInterceptor implements ClientInterceptor {
    /** A transaction not sent: its call fails with this message and cause (null: cancelled). */
    record Cut(String message, Throwable cause) {}

    /** Called for each transaction before it is sent; null sends it, a {@link Cut} fails its call instead. */
    abstract Cut beforeSending(TxnRequest txn);

    @Override
    public final <Q, R> ClientCall<Q, R> interceptCall(
            MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void sendMessage(Q message) {
                if (message instanceof TxnRequest txn) {
                    var cut = beforeSending(txn);
                    if (cut != null) {
                        delegate().cancel(cut.message(), cut.cause());
                        return;
                    }
                }
                super.sendMessage(message);
            }
        };
    }
}
