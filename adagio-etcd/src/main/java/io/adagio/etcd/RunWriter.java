package io.adagio.etcd;

import io.adagio.core.graph.RunGraph;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.protocol.RunIds;
import io.adagio.core.protocol.Timestamps;
import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.storage.Downstream;
import io.adagio.etcd.storage.NodeRecord;
import io.adagio.etcd.storage.RunRecord;
import io.adagio.wire.WireMapping;
import io.etcd.jetcd.kv.TxnResponse;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Starts runs: every node's record, the ready entries of its roots, the run record and the stats,
 * in one transaction when the run fits (the usual case), else in chunks with the run record last,
 * so that a start cut short (a crash) leaves nothing any agent can claim. No request is bigger than
 * etcd's default limits (128 operations, 1.5 MiB): a run of 100,000 nodes takes about 800 requests.
 */
final class RunWriter {
    /** Chunk transactions of one big start sent before the first is answered. */
    static final int CHUNKS_IN_FLIGHT = 16;

    private final EtcdCalls calls;
    private final Keys keys;
    private final CounterShards shards;
    private final WriteIds writeIds;
    private final int maxTxnOps;
    /** Creation times are made strictly increasing so that time order and ID order agree. */
    private final AtomicLong lastCreatedNs = new AtomicLong();

    private final InstantSource clock;

    RunWriter(EtcdCalls calls, Keys keys, CounterShards shards, WriteIds writeIds, InstantSource clock) {
        this.clock = clock;
        this.calls = calls;
        this.keys = keys;
        this.shards = shards;
        this.writeIds = writeIds;
        this.maxTxnOps = calls.settings().maxTxnOps();
    }

    Run start(RunGraph graph) {
        Instant createdAt = nextCreationTime();
        String runId = RunIds.next(createdAt);
        String writeId = writeIds.next();

        var edgeIndex = new HashMap<Edge, Integer>();
        for (int i = 0; i < graph.edges().size(); i++) {
            edgeIndex.put(graph.edges().get(i), i);
        }
        var nodeIndex = new HashMap<String, Integer>();
        for (int i = 0; i < graph.nodes().size(); i++) {
            nodeIndex.put(graph.nodes().get(i).name(), i);
        }
        long[] delta = new long[CounterShards.FIELDS];
        delta[CounterShards.RUNS] = 1;
        var chunks = new Chunker(maxTxnOps - Txn.RESERVE);
        var readyOps = new ArrayList<Txn.Op>();
        long readyBytes = 0;
        long recordBytes = 0;
        // Sinks first: when a node is written, everything downstream of it already exists, so a
        // start cut short (a crash) never leaves a claimable node whose finish finds nothing below.
        for (var name : reverseTopologicalOrder(graph)) {
            var spec = graph.node(name);
            var state = NodeState.initial(graph.upstream(name).size());
            var record = NodeRecord.newBuilder()
                    .setFormat(EtcdStorage.FORMAT)
                    .setIndex(nodeIndex.get(name))
                    .setUpstreamCount(graph.upstream(name).size())
                    .setSpec(WireMapping.toProto(spec));
            for (var down : graph.downstream(name)) {
                record.addDownstream(
                        Downstream.newBuilder().setName(down).setEdgeIndex(edgeIndex.get(new Edge(name, down))));
            }
            var r = EtcdStorage.withState(record.build(), state, writeId);
            if (r.getSerializedSize() > Txn.MAX_BYTES) {
                // Nothing is written yet: refuse rather than send a request etcd would reject.
                throw new RepositoryException.LimitExceeded("node \"" + name + "\" has "
                        + graph.downstream(name).size() + " downstream nodes: its record of "
                        + r.getSerializedSize() + " bytes is more than etcd accepts in one request ("
                        + Txn.MAX_BYTES + "); use shorter names or an intermediate layer of nodes");
            }
            chunks.add(new Txn.Put(keys.node(runId, name), r.toByteString()), r.getSerializedSize());
            recordBytes += r.getSerializedSize() + 64L;
            if (state.status() == NodeStatus.READY) {
                var entry = EtcdStorage.indexEntry(Event.ready(runId, spec), r);
                readyOps.add(new Txn.Put(keys.ready(runId, name), entry.toByteString()));
                readyBytes += entry.getSerializedSize() + 64L;
            }
            delta[CounterShards.index(state.status())]++;
        }
        var runRecord = RunRecord.newBuilder()
                .setFormat(EtcdStorage.FORMAT)
                .setId(runId)
                .setCreatedAtNs(Timestamps.toNanos(createdAt))
                .setNodeCount(graph.nodes().size())
                .setEdgeCount(graph.edges().size())
                .build();
        var last = new ArrayList<Txn.Op>();
        last.add(new Txn.Put(keys.run(runId), runRecord.toByteString()));
        // The roots' ready entries go with the run record when they fit (they almost always do), so
        // that a start cut short leaves nothing any agent hears of. Otherwise they are written before
        // it; claims on a run without its record are refused, so a start cut short never runs
        // anything either way.
        var all = chunks.chunks();
        if (all.size() == 1
                && all.getFirst().size() + readyOps.size() + last.size() + Txn.RESERVE <= maxTxnOps
                && recordBytes + readyBytes < Txn.MAX_BYTES) {
            // A small run (the usual case) starts in one transaction: one request, and its roots'
            // records and ready entries share a revision, so claims can trust the entries' copies.
            var ops = new ArrayList<>(all.getFirst());
            ops.addAll(readyOps);
            ops.addAll(last);
            commitWithStats(delta, ops);
        } else {
            if (readyOps.size() + last.size() + Txn.RESERVE <= maxTxnOps && readyBytes < Txn.MAX_BYTES / 2) {
                last.addAll(readyOps);
            } else {
                for (var op : readyOps) {
                    chunks.add(op, readyBytes / readyOps.size());
                }
                all = chunks.chunks();
            }
            // The chunks are independent puts, sent a window at a time so that etcd commits several
            // together; all at once (800 for a run of 100,000 nodes) made a busy etcd time out.
            var commits = new ArrayDeque<CompletableFuture<TxnResponse>>();
            for (var chunk : all) {
                if (commits.size() >= CHUNKS_IN_FLIGHT) {
                    calls.await(commits.poll());
                }
                commits.add(calls.send(new Txn.Builder().thenAll(chunk).build()));
            }
            while (!commits.isEmpty()) {
                calls.await(commits.poll());
            }
            // The run becomes visible (Inspect, ListRuns, Stats) and claimable with its last write.
            commitWithStats(delta, last);
        }
        var nodes = new ArrayList<Node>(graph.nodes().size());
        for (var n : graph.nodes()) {
            nodes.add(NodeState.initial(graph.upstream(n.name()).size()).toNode(n));
        }
        return new Run(runId, createdAt, nodes, graph.edges(), Protocol.runStatus(nodes.size(), 0, false));
    }

    /** Commits {@code ops} together with the stats counters' update. */
    private void commitWithStats(long[] delta, List<Txn.Op> ops) {
        while (true) {
            var shard = shards.acquire();
            try {
                var txn = new Txn.Builder().thenAll(ops);
                shard.stage(delta, txn);
                TxnResponse r;
                try {
                    r = calls.commit(txn.build());
                } catch (RepositoryException e) {
                    shard.markUnknown();
                    throw e;
                }
                if (r.isSucceeded()) {
                    shard.committed(r.getHeader().getRevision());
                    return;
                }
                shard.failed(r.getGetResponses()); // the shard changed (merged away meanwhile): count on from its value
            } finally {
                shards.release(shard);
            }
        }
    }

    private static List<String> reverseTopologicalOrder(RunGraph graph) {
        var remaining = new HashMap<String, Integer>();
        var queue = new ArrayDeque<String>();
        for (var n : graph.nodes()) {
            int out = graph.downstream(n.name()).size();
            remaining.put(n.name(), out);
            if (out == 0) {
                queue.add(n.name());
            }
        }
        var order = new ArrayList<String>(graph.nodes().size());
        while (!queue.isEmpty()) {
            var n = queue.poll();
            order.add(n);
            for (var up : graph.upstream(n)) {
                if (remaining.merge(up, -1, Integer::sum) == 0) {
                    queue.add(up);
                }
            }
        }
        return order;
    }

    private Instant nextCreationTime() {
        long now = Timestamps.toNanos(clock.instant());
        return Timestamps.fromNanos(lastCreatedNs.accumulateAndGet(now, (last, c) -> Math.max(last + 1, c)));
    }

    /** Accumulates writes into transactions no bigger than etcd accepts. */
    private static final class Chunker {
        private final int maxOps;
        private final List<List<Txn.Op>> chunks = new ArrayList<>();
        private List<Txn.Op> current = new ArrayList<>();
        private long bytes;

        Chunker(int maxOps) {
            this.maxOps = maxOps;
        }

        void add(Txn.Op op, long size) {
            if (!current.isEmpty() && (current.size() >= maxOps || bytes + size > Txn.MAX_BYTES)) {
                chunks.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(op);
            bytes += size + 64;
        }

        List<List<Txn.Op>> chunks() {
            if (!current.isEmpty()) {
                chunks.add(current);
                current = new ArrayList<>();
            }
            return chunks;
        }
    }
}
