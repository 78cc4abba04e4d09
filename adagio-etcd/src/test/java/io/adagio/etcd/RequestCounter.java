package io.adagio.etcd;

import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RequestOp;
import io.etcd.jetcd.api.TxnRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts every request message a repository sends to etcd, by gRPC method ({@code KV/Txn},
 * {@code KV/Range}, {@code Lease/LeaseGrant}, {@code Watch/Watch} for each watch create or cancel,
 * {@code Lease/LeaseKeepAlive} for each heartbeat), and the range reads over a run's node prefix.
 */
final class RequestCounter implements ClientInterceptor {
    private final ConcurrentHashMap<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicLong nodePrefixRanges = new AtomicLong();
    private final String nodesPrefix;

    RequestCounter(String namespace) {
        this.nodesPrefix = namespace + "/nodes/";
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        var name = method.getFullMethodName().replace("etcdserverpb.", "");
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void sendMessage(Q message) {
                counts.computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet();
                inspect(message);
                super.sendMessage(message);
            }
        };
    }

    private void inspect(Object message) {
        if (message instanceof RangeRequest r) {
            checkRange(r);
        } else if (message instanceof TxnRequest t) {
            for (var op : t.getSuccessList()) {
                checkOp(op);
            }
            for (var op : t.getFailureList()) {
                checkOp(op);
            }
        }
    }

    private void checkOp(RequestOp op) {
        if (op.hasRequestRange()) {
            checkRange(op.getRequestRange());
        }
    }

    private void checkRange(RangeRequest r) {
        if (!r.getRangeEnd().isEmpty()
                && r.getKey().toString(StandardCharsets.UTF_8).startsWith(nodesPrefix)) {
            nodePrefixRanges.incrementAndGet();
        }
    }

    long get(String method) {
        var c = counts.get(method);
        return c == null ? 0 : c.get();
    }

    /** Unary KV requests: reads and transactions. */
    long kv() {
        return get("KV/Range") + get("KV/Txn") + get("KV/Put") + get("KV/DeleteRange");
    }

    long total() {
        return counts.values().stream().mapToLong(AtomicLong::get).sum();
    }

    long nodePrefixRanges() {
        return nodePrefixRanges.get();
    }

    Snapshot snapshot() {
        return new Snapshot(this);
    }

    Map<String, Long> all() {
        var m = new TreeMap<String, Long>();
        counts.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** Counts since a moment, minus heartbeats (which are time-driven, not work-driven). */
    static final class Snapshot {
        private final RequestCounter counter;
        private final Map<String, Long> at;
        private final long nodeRanges;

        Snapshot(RequestCounter counter) {
            this.counter = counter;
            this.at = counter.all();
            this.nodeRanges = counter.nodePrefixRanges();
        }

        long since(String method) {
            return counter.get(method) - at.getOrDefault(method, 0L);
        }

        long kv() {
            return since("KV/Range") + since("KV/Txn") + since("KV/Put") + since("KV/DeleteRange");
        }

        long requests() {
            return kv() + since("Lease/LeaseGrant") + since("Lease/LeaseRevoke") + since("Watch/Watch");
        }

        long nodePrefixRanges() {
            return counter.nodePrefixRanges() - nodeRanges;
        }

        Map<String, Long> delta() {
            var m = new TreeMap<String, Long>();
            counter.all().forEach((k, v) -> {
                long d = v - at.getOrDefault(k, 0L);
                if (d != 0) {
                    m.put(k, d);
                }
            });
            return m;
        }
    }
}
