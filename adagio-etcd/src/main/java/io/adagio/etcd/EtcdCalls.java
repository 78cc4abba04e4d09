package io.adagio.etcd;

import static io.adagio.etcd.Keys.bytes;

import io.adagio.core.repository.RepositoryException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Every request to etcd goes through here: each waits at most the request timeout, and each failure
 * comes out as a typed {@link RepositoryException} ({@link EtcdErrors}). Also holds whether the
 * repository is closed, which every part checks before it starts work.
 */
final class EtcdCalls {
    static final GetOption COUNT = GetOption.builder().withCountOnly(true).build();
    static final GetOption COUNT_PREFIX =
            GetOption.builder().isPrefix(true).withCountOnly(true).build();
    static final GetOption PREFIX = GetOption.builder().isPrefix(true).build();
    static final GetOption KEYS_WITH_PREFIX =
            GetOption.builder().isPrefix(true).withKeysOnly(true).build();

    private final Client client;
    private final KV kv;
    private final EtcdSettings settings;
    private volatile boolean closed;

    EtcdCalls(Client client, EtcdSettings settings) {
        this.client = client;
        this.kv = client.getKVClient();
        this.settings = settings;
    }

    Client client() {
        return client;
    }

    KV kv() {
        return kv;
    }

    EtcdSettings settings() {
        return settings;
    }

    boolean closed() {
        return closed;
    }

    void markClosed() {
        closed = true;
    }

    void ensureOpen() {
        if (closed) {
            throw new RepositoryException.Unavailable("the etcd repository is closed");
        }
    }

    /** The counter shard under {@code key} and its mod revision (an empty shard at 0 when it is absent). */
    CounterShards.Loaded loadShard(String key) {
        var r = get(key);
        if (r.getKvs().isEmpty()) {
            return new CounterShards.Loaded(io.adagio.etcd.storage.CounterShard.getDefaultInstance(), 0);
        }
        var kv = r.getKvs().getFirst();
        return new CounterShards.Loaded(
                EtcdStorage.decode(kv, io.adagio.etcd.storage.CounterShard::parseFrom), kv.getModRevision());
    }

    /** Sends the transaction and waits for its answer. */
    TxnResponse commit(Txn txn) {
        return await(send(txn));
    }

    /** Sends the transaction without waiting. */
    CompletableFuture<TxnResponse> send(Txn txn) {
        return kv.txn()
                .If(guards(txn))
                .Then(ops(txn.then()))
                .Else(ops(txn.otherwise()))
                .commit();
    }

    private static Cmp[] guards(Txn txn) {
        var out = new Cmp[txn.guards().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toCmp(txn.guards().get(i));
        }
        return out;
    }

    private static Op[] ops(java.util.List<Txn.Op> ops) {
        var out = new Op[ops.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = toOp(ops.get(i));
        }
        return out;
    }

    /**
     * Sends the transaction; its answer fails with a timeout when etcd has not answered within the
     * request timeout, whoever waits for it (a group commit must not wait longer for a request that
     * hangs than each of its members would alone).
     */
    CompletableFuture<TxnResponse> sendWithin(Txn txn) {
        return send(txn).orTimeout(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    GetResponse get(String key) {
        return await(kv.get(bytes(key)));
    }

    GetResponse get(String key, GetOption option) {
        return await(kv.get(bytes(key), option));
    }

    /** Waits for an etcd answer, at most the request timeout; failures typed. */
    <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new RepositoryException.Unavailable("interrupted while waiting for etcd", e);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw EtcdErrors.classify(e, settings);
        } catch (ExecutionException e) {
            throw EtcdErrors.classify(e.getCause() == null ? e : e.getCause(), settings);
        }
    }

    /** Waits a little between two looks at something another process is doing. */
    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RepositoryException.Unavailable("interrupted", e);
        }
    }

    static Cmp toCmp(Txn.Guard guard) {
        var key = bytes(guard.key());
        return switch (guard) {
            case Txn.Unchanged g -> new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(g.modRevision()));
            case Txn.Absent g -> new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0));
            case Txn.Present g -> new Cmp(key, Cmp.Op.GREATER, CmpTarget.version(0));
        };
    }

    static Op toOp(Txn.Op op) {
        if (op instanceof Txn.Nested n) {
            return Op.txn(guards(n.txn()), ops(n.txn().then()), ops(n.txn().otherwise()));
        }
        var key = bytes(op.key());
        return switch (op) {
            case Txn.Put p ->
                Op.put(
                        key,
                        ByteSequence.from(p.value()),
                        p.lease() == 0
                                ? PutOption.DEFAULT
                                : PutOption.builder().withLeaseId(p.lease()).build());
            case Txn.Delete d -> Op.delete(key, DeleteOption.DEFAULT);
            case Txn.DeleteRange d ->
                Op.delete(key, DeleteOption.builder().withRange(bytes(d.end())).build());
            case Txn.DeletePrefix d ->
                Op.delete(key, DeleteOption.builder().isPrefix(true).build());
            case Txn.Get g -> Op.get(key, GetOption.DEFAULT);
            case Txn.Count c -> Op.get(key, COUNT);
            case Txn.CountPrefix c -> Op.get(key, COUNT_PREFIX);
            case Txn.KeysWithPrefix k -> Op.get(key, KEYS_WITH_PREFIX);
            case Txn.Nested n -> throw new AssertionError("handled above");
            case Txn.GetPrefix g ->
                Op.get(
                        key,
                        g.limit() == 0
                                ? PREFIX
                                : GetOption.builder()
                                        .isPrefix(true)
                                        .withLimit(g.limit())
                                        .build());
        };
    }
}
