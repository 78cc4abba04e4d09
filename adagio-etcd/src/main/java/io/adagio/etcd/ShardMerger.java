package io.adagio.etcd;

import static io.adagio.etcd.Keys.text;

import io.adagio.core.protocol.Timestamps;
import io.adagio.etcd.storage.CounterShard;
import io.adagio.etcd.storage.InstanceRecord;
import io.etcd.jetcd.KeyValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the stats counter shards from piling up as processes come and go. Each instance registers
 * under every lease it is granted (its instance key lives as long as the lease); the shards of
 * instances without a live instance key are folded into the merged shard.
 */
final class ShardMerger {
    private static final Logger LOG = LoggerFactory.getLogger(ShardMerger.class);
    /** How often an instance looks for counter shards of dead instances (also done at each lease grant). */
    static final Duration PERIOD = Duration.ofMinutes(5);

    private final EtcdCalls calls;
    private final Keys keys;
    private final String instanceId;
    private final Background background;

    ShardMerger(EtcdCalls calls, Keys keys, String instanceId, Background background) {
        this.calls = calls;
        this.keys = keys;
        this.instanceId = instanceId;
        this.background = background;
    }

    /**
     * Registers this instance under a fresh lease and, in the same request, looks for shards of
     * instances that are gone; those are merged in the background. Never throws: the registration
     * only keeps live shards from being merged, and a live shard merged anyway is still counted right
     * (its owner's next write sees it changed).
     */
    void register(long lease) {
        var record = InstanceRecord.newBuilder()
                .setFormat(EtcdStorage.FORMAT)
                .setStartedAtNs(Timestamps.toNanos(Instant.now()))
                .build();
        try {
            var txn = new Txn.Builder();
            txn.then(new Txn.Put(keys.instance(instanceId), record.toByteString(), lease));
            txn.then(new Txn.KeysWithPrefix(keys.stats()));
            txn.then(new Txn.KeysWithPrefix(keys.instances()));
            var gets = calls.commit(txn.build()).getGetResponses();
            if (!deadShards(gets.get(0).getKvs(), gets.get(1).getKvs()).isEmpty()) {
                background.execute(this::mergeQuietly);
            }
        } catch (RuntimeException e) {
            LOG.debug("could not register instance {} under lease {}: {}", instanceId, lease, e.getMessage());
        }
    }

    void mergeQuietly() {
        try {
            merge();
        } catch (RuntimeException e) {
            LOG.debug("could not merge counter shards of dead instances: {}", e.getMessage());
        }
    }

    /**
     * Folds the counter shards of instances that are gone into the merged shard. Each batch is one
     * transaction guarded by the mod revision of every shard it reads, so concurrent mergers (and a
     * presumed-dead instance writing after all) never count anything twice.
     *
     * @return the number of shards merged
     */
    int merge() {
        calls.ensureOpen();
        int merged = 0;
        int batch = calls.settings().maxTxnOps() - Txn.RESERVE;
        while (true) {
            var read = new Txn.Builder();
            read.then(new Txn.GetPrefix(keys.stats()));
            read.then(new Txn.KeysWithPrefix(keys.instances()));
            var gets = calls.commit(read.build()).getGetResponses();
            var shardKvs = gets.get(0).getKvs();
            var dead = deadShards(shardKvs, gets.get(1).getKvs());
            if (dead.isEmpty()) {
                break;
            }
            dead = dead.subList(0, Math.min(batch, dead.size()));
            var mergedKey = keys.statsMerged();
            var current = shardKvs.stream()
                    .filter(kv -> text(kv.getKey()).equals(mergedKey))
                    .findFirst();
            var txn = new Txn.Builder()
                    .guard(new Txn.Unchanged(
                            mergedKey, current.map(KeyValue::getModRevision).orElse(0L)));
            var values = new ArrayList<CounterShard>();
            for (var kv : dead) {
                txn.guard(new Txn.Unchanged(text(kv.getKey()), kv.getModRevision()));
                txn.then(new Txn.Delete(text(kv.getKey())));
                values.add(EtcdStorage.decode(kv, CounterShard::parseFrom));
            }
            var into = current.map(kv -> EtcdStorage.decode(kv, CounterShard::parseFrom))
                    .orElse(CounterShard.getDefaultInstance());
            txn.then(new Txn.Put(mergedKey, CounterShards.merged(into, values).toByteString()));
            if (!calls.commit(txn.build()).isSucceeded()) {
                break; // someone else is merging (or a shard moved): the next round sees
            }
            merged += dead.size();
        }
        if (merged > 0) {
            LOG.info("merged {} stats counter shard(s) of etcd repository instances that are gone", merged);
        }
        return merged;
    }

    /** The shard keys among {@code shardKvs} whose owning instance has no live instance key. */
    private List<KeyValue> deadShards(List<KeyValue> shardKvs, List<KeyValue> instanceKvs) {
        var live = new HashSet<String>();
        for (var kv : instanceKvs) {
            live.add(text(kv.getKey()).substring(keys.instances().length()));
        }
        live.add(instanceId); // never merge our own, even between a lost lease and the next
        var dead = new ArrayList<KeyValue>();
        for (var kv : shardKvs) {
            var owner = keys.shardOwner(text(kv.getKey()));
            if (owner != null && !live.contains(owner)) {
                dead.add(kv);
            }
        }
        return dead;
    }
}
