package io.adagio.testkit.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Counts the request messages a gRPC client sends, by method ({@code KV/Txn}, {@code KV/Range},
 * {@code Lease/LeaseGrant}; on a stream, each message: {@code Watch/Watch} for each watch created
 * or cancelled, {@code Lease/LeaseKeepAlive} for each heartbeat), and apart the messages a
 * predicate marks (say, reads of a whole run). Install it as a client interceptor, for example with
 * {@code EtcdRepository.connect(settings, counter)}.
 */
public final class RequestCounter implements ClientInterceptor {
    /** The streams whose messages come with time, not with work: heartbeats and watches. */
    public static final Collection<String> STREAMS = java.util.List.of("Lease/LeaseKeepAlive", "Watch/Watch");

    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final LongAdder marked = new LongAdder();
    private final Predicate<Object> marks;

    /** Counts every message; marks none. */
    public RequestCounter() {
        this(message -> false);
    }

    /** Counts every message, and those {@code marks} holds for apart. */
    public RequestCounter(Predicate<Object> marks) {
        this.marks = marks;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        var count = counts.computeIfAbsent(name(method), k -> new LongAdder());
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void sendMessage(Q message) {
                count.increment();
                if (marks.test(message)) {
                    marked.increment();
                }
                super.sendMessage(message);
            }
        };
    }

    /** {@code Service/Method}, the service without its package ({@code etcdserverpb.KV} is {@code KV}). */
    private static String name(MethodDescriptor<?, ?> method) {
        var service = method.getServiceName();
        var simple = service == null ? "" : service.substring(service.lastIndexOf('.') + 1);
        return simple + "/" + method.getBareMethodName();
    }

    /** Messages sent so far with this method. */
    public long count(String method) {
        var c = counts.get(method);
        return c == null ? 0 : c.sum();
    }

    /** Messages sent so far, by method (those sent at least once). */
    public Map<String, Long> counts() {
        var m = new TreeMap<String, Long>();
        counts.forEach((k, v) -> {
            long n = v.sum();
            if (n != 0) {
                m.put(k, n);
            }
        });
        return m;
    }

    /** Messages sent so far that the predicate marked. */
    public long marked() {
        return marked.sum();
    }

    /** The counts now, to tell later what a piece of work cost. */
    public Snapshot snapshot() {
        return new Snapshot(this);
    }

    /** Messages of these methods in {@code counts}. */
    public static long sum(Map<String, Long> counts, Collection<String> methods) {
        return methods.stream().mapToLong(m -> counts.getOrDefault(m, 0L)).sum();
    }

    /** Messages in {@code counts} that do not belong to the {@link #STREAMS}: work-driven requests. */
    public static long unary(Map<String, Long> counts) {
        return counts.entrySet().stream()
                .filter(e -> !STREAMS.contains(e.getKey()))
                .mapToLong(Map.Entry::getValue)
                .sum();
    }

    /** The counts at one moment, and what was sent since. */
    public static final class Snapshot {
        private final RequestCounter counter;
        private final Map<String, Long> at;
        private final long markedAt;

        private Snapshot(RequestCounter counter) {
            this.counter = counter;
            this.at = counter.counts();
            this.markedAt = counter.marked();
        }

        /** Messages of this method since the snapshot. */
        public long since(String method) {
            return counter.count(method) - at.getOrDefault(method, 0L);
        }

        /** Messages of these methods since the snapshot. */
        public long since(Collection<String> methods) {
            return methods.stream().mapToLong(this::since).sum();
        }

        /** Marked messages since the snapshot. */
        public long marked() {
            return counter.marked() - markedAt;
        }

        /** Messages since the snapshot, by method (those sent at least once since). */
        public Map<String, Long> delta() {
            var m = new TreeMap<String, Long>();
            counter.counts().forEach((k, v) -> {
                long d = v - at.getOrDefault(k, 0L);
                if (d != 0) {
                    m.put(k, d);
                }
            });
            return m;
        }
    }
}
