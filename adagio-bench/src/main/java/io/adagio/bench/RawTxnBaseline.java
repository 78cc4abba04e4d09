package io.adagio.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * What etcd allows: {@code clients} threads, each committing compare-and-put transactions on its own
 * key back to back (compare the key's mod revision, put a new value of a node record's size), with
 * the client the repository uses (jetcd), for a fixed time. Two of these per node (claim, finish)
 * are the floor of any etcd-backed protocol that keeps a claim and a result per node.
 */
final class RawTxnBaseline {
    private static final int VALUE_BYTES = 256;

    private final List<String> endpoints;
    private final int clients;

    RawTxnBaseline(List<String> endpoints, int clients) {
        this.endpoints = endpoints;
        this.clients = clients;
    }

    /**
     * What one measurement saw: committed transactions per second, and the latency of each (sorted,
     * nanoseconds), the floor of any step that needs one.
     *
     * @param committed the transactions committed
     * @param cpu       the CPU this process and etcd used while the clients ran
     */
    record Measurement(double txnPerSecond, long[] latencies, long committed, CpuMeter.Sample cpu) {}

    /** Transactions per second over {@code seconds}, and their latencies. */
    Measurement measure(String namespace, double seconds, CpuMeter cpu) throws InterruptedException {
        var client =
                Client.builder().endpoints(endpoints.toArray(String[]::new)).build();
        try {
            var kv = client.getKVClient();
            var value = ByteSequence.from("x".repeat(VALUE_BYTES), StandardCharsets.UTF_8);
            var committed = new LongAdder();
            var latencies = new Latencies();
            var failures = new LongAdder();
            var ready = new CountDownLatch(clients);
            var start = new CountDownLatch(1);
            long[] deadline = new long[1];
            var threads = new ArrayList<Thread>();
            for (int c = 0; c < clients; c++) {
                var key = ByteSequence.from(namespace + "/raw/" + c, StandardCharsets.UTF_8);
                threads.add(Thread.ofPlatform().name("raw-txn-" + c).start(() -> {
                    try {
                        long revision;
                        try {
                            revision = kv.put(key, value).get().getHeader().getRevision();
                        } finally {
                            ready.countDown();
                        }
                        start.await();
                        while (System.nanoTime() < deadline[0]) {
                            long sent = System.nanoTime();
                            var r = kv.txn()
                                    .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(revision)))
                                    .Then(Op.put(key, value, PutOption.DEFAULT))
                                    .commit()
                                    .get();
                            if (r.isSucceeded()) {
                                latencies.add(System.nanoTime() - sent);
                                revision = r.getHeader().getRevision();
                                committed.increment();
                            } else {
                                failures.increment();
                                revision = kv.get(key).get().getKvs().getFirst().getModRevision();
                            }
                        }
                    } catch (Exception e) {
                        failures.increment();
                    }
                }));
            }
            // All clients connected and their keys written before the clock starts.
            ready.await();
            var cpuBefore = cpu.now();
            long begin = System.nanoTime();
            deadline[0] = begin + (long) (seconds * 1e9);
            start.countDown();
            for (var t : threads) {
                t.join();
            }
            long elapsed = System.nanoTime() - begin;
            var cpuUsed = cpu.now().minus(cpuBefore);
            if (failures.sum() > 0) {
                throw new IllegalStateException("raw etcd transactions failed " + failures.sum() + " times");
            }
            kv.delete(
                            ByteSequence.from(namespace + "/raw/", StandardCharsets.UTF_8),
                            DeleteOption.builder().isPrefix(true).build())
                    .get(10, TimeUnit.SECONDS);
            return new Measurement(committed.sum() / (elapsed / 1e9), latencies.drain(), committed.sum(), cpuUsed);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("etcd: " + e.getMessage(), e);
        } finally {
            client.close();
        }
    }
}
