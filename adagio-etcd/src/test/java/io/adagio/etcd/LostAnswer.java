package io.adagio.etcd;

import io.etcd.jetcd.api.TxnRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;

/**
 * Loses the answer of one transaction, as a fault between this process and etcd would: once armed,
 * the first guarded transaction that puts the given key has its call failed as unavailable, and
 * reaches etcd either late (just before the next guarded transaction, so after the sender looked for
 * it and did not find it: a request queued at a paused leader) or at once, with the read that follows
 * failing too (etcd still out of reach).
 */
final class LostAnswer implements ClientInterceptor {
    /** When the transaction whose answer is lost applies. */
    enum Applies {
        /** just before the next guarded transaction */
        LATE,
        /** at once; the next read fails as unavailable */
        AT_ONCE_AND_THE_NEXT_READ_FAILS
    }

    private final Applies applies;
    private volatile String armedFor;
    private volatile TxnRequest held;
    private volatile boolean failNextRead;
    /** Whether the transaction reached etcd. */
    volatile boolean delivered;

    LostAnswer(Applies applies) {
        this.applies = applies;
    }

    /** Loses the answer of the first guarded transaction that puts {@code key}. */
    void arm(String key) {
        armedFor = key;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void sendMessage(Q message) {
                if (message instanceof TxnRequest txn) {
                    var key = armedFor;
                    if (key != null && txn.getCompareCount() > 0 && puts(txn, key)) {
                        armedFor = null;
                        if (applies == Applies.LATE) {
                            held = txn;
                        } else {
                            send(next, method, txn);
                            failNextRead = true;
                        }
                        delegate().cancel("answer lost", Status.UNAVAILABLE.asRuntimeException());
                        return;
                    }
                    var late = held;
                    if (late != null && txn.getCompareCount() > 0) {
                        held = null;
                        send(next, method, late);
                    }
                    if (failNextRead && txn.getCompareCount() == 0) {
                        failNextRead = false;
                        delegate().cancel("etcd out of reach", Status.UNAVAILABLE.asRuntimeException());
                        return;
                    }
                }
                super.sendMessage(message);
            }
        };
    }

    private void send(Channel channel, MethodDescriptor<?, ?> method, TxnRequest txn) {
        @SuppressWarnings("unchecked")
        var txnMethod = (MethodDescriptor<TxnRequest, ?>) method;
        ClientCalls.blockingUnaryCall(channel, txnMethod, CallOptions.DEFAULT, txn);
        delivered = true;
    }

    private static boolean puts(TxnRequest txn, String key) {
        return txn.getSuccessList().stream()
                .anyMatch(op -> op.hasRequestPut()
                        && op.getRequestPut().getKey().toStringUtf8().equals(key));
    }
}
