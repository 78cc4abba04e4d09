package io.adagio.etcd;

import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * Marks the etcd requests that read a range over a run's nodes (on their own or inside a
 * transaction), for a {@link io.adagio.testkit.grpc.RequestCounter}: claims, finishes and events
 * must never need one.
 */
final class NodeRangeReads implements Predicate<Object> {
    private final String nodesPrefix;

    NodeRangeReads(String namespace) {
        this.nodesPrefix = namespace + "/nodes/";
    }

    @Override
    public boolean test(Object message) {
        if (message instanceof RangeRequest r) {
            return readsNodes(r);
        }
        if (message instanceof TxnRequest t) {
            return t.getSuccessList().stream().anyMatch(this::readsNodes)
                    || t.getFailureList().stream().anyMatch(this::readsNodes);
        }
        return false;
    }

    private boolean readsNodes(RequestOp op) {
        return op.hasRequestRange() && readsNodes(op.getRequestRange());
    }

    private boolean readsNodes(RangeRequest r) {
        return !r.getRangeEnd().isEmpty()
                && r.getKey().toString(StandardCharsets.UTF_8).startsWith(nodesPrefix);
    }
}
