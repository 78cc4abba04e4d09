package io.adagio.etcd;

import io.adagio.core.model.NodeStatus;
import io.adagio.etcd.storage.CounterShard;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Stats counters without a hot key. Each instance owns a few shard keys and lends each to one
 * transition at a time; the transition writes the shard's new totals in its own transaction, guarded
 * by the shard's mod revision. Since only the borrower writes a shard, that compare never fails in
 * practice, so counting adds no conflicts and no requests. Stats sums all shards.
 */
final class CounterShards {
    static final int RUNS = 0;
    static final int WAITING = 1;
    static final int READY = 2;
    static final int RUNNING = 3;
    static final int COMPLETED = 4;
    static final int ORPHANED = 5;
    static final int FIELDS = 6;
    private static final int MAX_SHARDS = 16;

    record Loaded(CounterShard value, long modRevision) {}

    private final Keys keys;
    private final String instanceId;
    private final Function<String, Loaded> loader;
    private final Runnable beforeNewShard;
    private final ArrayBlockingQueue<Shard> free = new ArrayBlockingQueue<>(MAX_SHARDS);
    private final AtomicInteger created = new AtomicInteger();

    /**
     * @param beforeNewShard run before a shard is first used: registers the instance (its leased
     *                       instance key), so that its shards are not taken for a dead instance's
     */
    CounterShards(Keys keys, String instanceId, Function<String, Loaded> loader, Runnable beforeNewShard) {
        this.keys = keys;
        this.instanceId = instanceId;
        this.loader = loader;
        this.beforeNewShard = beforeNewShard;
    }

    static int index(NodeStatus status) {
        return switch (status) {
            case WAITING -> WAITING;
            case READY -> READY;
            case RUNNING -> RUNNING;
            case COMPLETED -> COMPLETED;
            case NONE -> ORPHANED;
        };
    }

    static void add(long[] sum, CounterShard s) {
        sum[RUNS] += s.getRuns();
        sum[WAITING] += s.getWaiting();
        sum[READY] += s.getReady();
        sum[RUNNING] += s.getRunning();
        sum[COMPLETED] += s.getCompleted();
        sum[ORPHANED] += s.getOrphaned();
    }

    Shard acquire() {
        var s = free.poll();
        if (s != null) {
            return s;
        }
        int n = created.incrementAndGet();
        if (n <= MAX_SHARDS) {
            try {
                beforeNewShard.run();
            } catch (RuntimeException e) {
                created.decrementAndGet();
                throw e;
            }
            return new Shard(keys.stats(instanceId + "-" + n));
        }
        created.decrementAndGet();
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new io.adagio.core.repository.RepositoryException.Unavailable("interrupted", e);
        }
    }

    void release(Shard s) {
        free.offer(s);
    }

    /**
     * Sums shards into the merged shard's new value (the shards of instances that are gone).
     */
    static CounterShard merged(CounterShard into, List<CounterShard> shards) {
        long[] sum = new long[FIELDS];
        add(sum, into);
        for (var s : shards) {
            add(sum, s);
        }
        return CounterShard.newBuilder()
                .setFormat(EtcdStorage.FORMAT)
                .setRuns(sum[RUNS])
                .setWaiting(sum[WAITING])
                .setReady(sum[READY])
                .setRunning(sum[RUNNING])
                .setCompleted(sum[COMPLETED])
                .setOrphaned(sum[ORPHANED])
                .build();
    }

    /** One counter key, used by one transition at a time. */
    final class Shard {
        private final String key;
        private CounterShard value = CounterShard.getDefaultInstance();
        private long modRevision;
        private boolean unknown;
        private CounterShard staged;
        private int elseIndex = -1;

        Shard(String key) {
            this.key = key;
        }

        /**
         * Adds the compare and the put of the new totals to a transaction, unless nothing changes,
         * and a read of the shard to its failure branch, so that when the transaction fails the
         * shard's current value comes back with it ({@link #failed}) at no extra request: the shard
         * may have been changed by someone else (merged away when this instance was taken for dead).
         */
        void stage(long[] delta, Txn.Builder txn) {
            staged = null;
            elseIndex = -1;
            boolean any = false;
            for (long d : delta) {
                any |= d != 0;
            }
            if (!any) {
                return;
            }
            if (unknown) {
                var loaded = loader.apply(key);
                value = loaded.value();
                modRevision = loaded.modRevision();
                unknown = false;
            }
            staged = value.toBuilder()
                    .setFormat(EtcdStorage.FORMAT)
                    .setRuns(value.getRuns() + delta[RUNS])
                    .setWaiting(value.getWaiting() + delta[WAITING])
                    .setReady(value.getReady() + delta[READY])
                    .setRunning(value.getRunning() + delta[RUNNING])
                    .setCompleted(value.getCompleted() + delta[COMPLETED])
                    .setOrphaned(value.getOrphaned() + delta[ORPHANED])
                    .build();
            txn.guard(new Txn.Unchanged(key, modRevision));
            txn.then(new Txn.Put(key, staged.toByteString()));
            elseIndex = txn.otherwise(new Txn.Get(key));
        }

        /** The transaction's compares failed: take the shard's value from its else branch. */
        void failed(List<io.etcd.jetcd.kv.GetResponse> gets) {
            if (staged == null) {
                return;
            }
            staged = null;
            if (elseIndex < 0 || elseIndex >= gets.size()) {
                unknown = true;
                return;
            }
            var kvs = gets.get(elseIndex).getKvs();
            if (kvs.isEmpty()) {
                value = CounterShard.getDefaultInstance();
                modRevision = 0;
            } else {
                value = EtcdStorage.decode(kvs.getFirst(), CounterShard::parseFrom);
                modRevision = kvs.getFirst().getModRevision();
            }
        }

        void committed(long revision) {
            if (staged != null) {
                value = staged;
                modRevision = revision;
                staged = null;
            }
        }

        /** The last transaction's outcome is unknown (or its compares failed): read the shard before next use. */
        void markUnknown() {
            if (staged != null) {
                unknown = true;
                staged = null;
            }
        }
    }
}
