package io.adagio.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts the gRPC requests a repository sends to etcd, by method (Txn, Range, Put, LeaseKeepAlive...). */
final class RequestCounter implements ClientInterceptor {
    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        counts.computeIfAbsent(method.getBareMethodName(), k -> new LongAdder()).increment();
        return next.newCall(method, options);
    }

    /** The counts so far, by method; resets them. */
    Map<String, Long> drain() {
        var out = new TreeMap<String, Long>();
        counts.forEach((k, v) -> out.put(k, v.sumThenReset()));
        out.values().removeIf(v -> v == 0);
        return out;
    }

    /** Unary requests: everything but the streams (watches, lease keep-alives). */
    static long unary(Map<String, Long> counts) {
        return counts.entrySet().stream()
                .filter(e -> !e.getKey().equals("Watch") && !e.getKey().equals("LeaseKeepAlive"))
                .mapToLong(Map.Entry::getValue)
                .sum();
    }
}
