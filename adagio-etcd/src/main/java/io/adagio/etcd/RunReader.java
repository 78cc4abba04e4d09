package io.adagio.etcd;

import static io.adagio.etcd.Keys.bytes;
import static io.adagio.etcd.Keys.text;

import com.github.f4b6a3.ulid.Ulid;
import com.google.protobuf.ByteString;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunRef;
import io.adagio.core.model.Stats;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.protocol.Timestamps;
import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.storage.AgentRecord;
import io.adagio.etcd.storage.CounterShard;
import io.adagio.etcd.storage.Journal;
import io.adagio.etcd.storage.NodeRecord;
import io.adagio.etcd.storage.RunRecord;
import io.adagio.wire.WireMapping;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads runs, stats and agents. Never writes: a run whose big transition is half applied is shown
 * as its journal leaves it (the journal is the decided truth), and a wide fan-in whose promotion is
 * pending shows WAITING with every input until the sweeper promotes it. Outputs stored apart are
 * read with their run ({@link OutputReader}).
 */
final class RunReader {
    static final int PAGE = 1000;

    private final EtcdCalls calls;
    private final Keys keys;
    private final OutputReader outputs;

    RunReader(EtcdCalls calls, Keys keys, OutputReader outputs) {
        this.calls = calls;
        this.keys = keys;
        this.outputs = outputs;
    }

    /** One run: its record, nodes, journal and pending inputs at one revision, in one request (plus pages). */
    Run inspect(String runId) {
        return read(runId).run();
    }

    /**
     * A run as {@link #inspect} reads it, with the revision it was read at and, for each node (in the
     * run's order), the revision of its record's last change.
     */
    ReadRun read(String runId) {
        var txn = new Txn.Builder();
        txn.then(new Txn.Get(keys.run(runId)));
        txn.then(new Txn.Get(keys.journal(runId)));
        txn.then(new Txn.GetPrefix(keys.nodes(runId), PAGE));
        // Inputs of wide fan-in nodes not yet READY live under per-edge keys.
        txn.then(new Txn.GetPrefix(keys.runInputs(runId), PAGE));
        var r = calls.commit(txn.build());
        var gets = r.getGetResponses();
        if (gets.get(0).getKvs().isEmpty()) {
            throw RepositoryException.NotFound.run(runId);
        }
        var record = EtcdStorage.decode(gets.get(0).getKvs().getFirst(), RunRecord::parseFrom);
        long revision = r.getHeader().getRevision();
        var modRevisions = new HashMap<String, Long>();
        var records = values(keys.nodes(runId), gets.get(2), revision, modRevisions);
        var inputs = values(keys.runInputs(runId), gets.get(3), revision, null);
        var journalOutputs = new HashMap<String, byte[]>();
        if (!gets.get(1).getKvs().isEmpty()) {
            var journal = EtcdStorage.decode(gets.get(1).getKvs().getFirst(), Journal::parseFrom);
            var written = new ArrayList<String>();
            var writes = Journals.writes(calls, keys, runId, journal);
            // The journal's records may refer to outputs it has not written yet.
            for (var w : writes) {
                if (w instanceof Txn.Put p && w.key().startsWith(keys.runOutputs(runId))) {
                    journalOutputs.put(p.key(), p.value().toByteArray());
                }
            }
            record = overlay(runId, writes, record, records, inputs, written);
            // A record the journal rewrites counts as changed at the revision read.
            written.forEach(key -> modRevisions.put(key, revision));
        }
        var read = toRun(record, records, modRevisions, inputs, revision);
        // Outputs stored apart are read after: written once, they are the same at any revision.
        return new ReadRun(
                outputs.resolve(read.run(), journalOutputs), read.revision(), read.changedAt(), read.cancelled());
    }

    /**
     * A run, the revision it was read at, each node's last change (in the run's node order), and
     * whether it was cancelled (known before its conclusion says so: nodes may still be running).
     */
    record ReadRun(Run run, long revision, long[] changedAt, boolean cancelled) {}

    /** Runs newest first: run ids are ULIDs, so the time window is a key range, read a page at a time. */
    List<Run> list(RunQuery query) {
        if (query.startNs() != 0 && query.finishNs() != 0 && query.startNs() < query.finishNs()) {
            return List.of();
        }
        // The exact nanosecond bounds are checked on each record.
        String from = query.finishNs() == 0
                ? keys.runs()
                : keys.run(Ulid.min(Math.floorDiv(query.finishNs(), 1_000_000L)).toString());
        String upper = query.startNs() == 0
                ? keys.runs() + "\uffff"
                : keys.run(Ulid.max(Math.floorDiv(query.startNs(), 1_000_000L)).toString()) + "\u0000";
        var out = new ArrayList<Run>();
        while (true) {
            long want = query.limit() == 0 ? PAGE : Math.min(PAGE, query.limit() - out.size());
            var page = calls.get(
                    from,
                    GetOption.builder()
                            .withRange(bytes(upper))
                            .withSortField(GetOption.SortTarget.KEY)
                            .withSortOrder(GetOption.SortOrder.DESCEND)
                            .withLimit(want)
                            .build());
            for (var kv : page.getKvs()) {
                var record = EtcdStorage.decode(kv, RunRecord::parseFrom);
                if (!query.admits(record.getCreatedAtNs())) {
                    continue;
                }
                try {
                    out.add(inspect(record.getId()));
                } catch (RepositoryException.NotFound gone) {
                    // deleted meanwhile
                }
                if (query.limit() != 0 && out.size() >= query.limit()) {
                    return out;
                }
            }
            if (!page.isMore() || page.getKvs().isEmpty()) {
                return out;
            }
            upper = text(page.getKvs().getLast().getKey());
        }
    }

    /** Runs oldest first after {@code after}: one range over the run records (ULID keys sort by creation). */
    List<RunRef> oldest(RunRef after, int limit) {
        String from = after == null ? keys.runs() : keys.run(after.id()) + "\u0000";
        var page = calls.get(
                from,
                GetOption.builder()
                        .withRange(bytes(keys.runs() + "\uffff"))
                        .withLimit(limit)
                        .build());
        var out = new ArrayList<RunRef>(page.getKvs().size());
        for (var kv : page.getKvs()) {
            var record = EtcdStorage.decode(kv, RunRecord::parseFrom);
            out.add(new RunRef(record.getId(), Timestamps.fromNanos(record.getCreatedAtNs())));
        }
        return out;
    }

    /** One range over the counter shards: a few keys per repository instance, never the nodes. */
    Stats stats() {
        long[] sum = new long[CounterShards.FIELDS];
        for (var kv : calls.get(keys.stats(), EtcdCalls.PREFIX).getKvs()) {
            CounterShards.add(sum, EtcdStorage.decode(kv, CounterShard::parseFrom));
        }
        return new Stats(
                sum[CounterShards.RUNS],
                new Stats.NodeCounts(
                        sum[CounterShards.WAITING],
                        sum[CounterShards.READY],
                        sum[CounterShards.RUNNING],
                        sum[CounterShards.COMPLETED],
                        sum[CounterShards.ORPHANED]));
    }

    List<Agent> agents() {
        var agents = new LinkedHashMap<String, Agent>();
        for (var kv : calls.get(keys.agents(), EtcdCalls.PREFIX).getKvs()) {
            var a = WireMapping.fromProto(
                    EtcdStorage.decode(kv, AgentRecord::parseFrom).getAgent());
            agents.putIfAbsent(a.id(), a);
        }
        return List.copyOf(agents.values());
    }

    /** Key to value of a prefix range: its first page, then the rest at the same revision. */
    private Map<String, ByteString> values(
            String prefix, GetResponse first, long revision, Map<String, Long> modRevisions) {
        var out = new TreeMap<String, ByteString>();
        var page = first;
        while (true) {
            for (var kv : page.getKvs()) {
                if (modRevisions != null) {
                    modRevisions.put(text(kv.getKey()), kv.getModRevision());
                }
                out.put(
                        text(kv.getKey()),
                        com.google.protobuf.UnsafeByteOperations.unsafeWrap(
                                kv.getValue().getBytes()));
            }
            if (!page.isMore() || page.getKvs().isEmpty()) {
                return out;
            }
            var after = text(page.getKvs().getLast().getKey()) + "\u0000";
            page = calls.get(
                    after,
                    GetOption.builder()
                            .withRange(bytes(prefix + "\uffff"))
                            .withRevision(revision)
                            .withLimit(PAGE)
                            .build());
        }
    }

    /**
     * The records and inputs as the run's journal leaves them (chunks may be applied, or not yet);
     * answers the run record as it leaves it too, and adds the keys of the node records it wrote to
     * {@code written}.
     */
    private RunRecord overlay(
            String runId,
            List<Txn.Op> writes,
            RunRecord record,
            Map<String, ByteString> records,
            Map<String, ByteString> inputs,
            List<String> written) {
        var runKey = keys.run(runId);
        for (var w : writes) {
            if (w instanceof Txn.Put p && p.key().equals(runKey)) {
                record = EtcdStorage.decode(p.value(), RunRecord::parseFrom, runKey);
                continue;
            }
            var target = w.key().startsWith(keys.root + "nodes/")
                    ? records
                    : w.key().startsWith(keys.root + "inputs/") ? inputs : null;
            if (target == null) {
                continue;
            }
            if (target == records) {
                written.add(w.key());
            }
            switch (w) {
                case Txn.Put p -> target.put(p.key(), p.value());
                case Txn.Delete d -> target.remove(d.key());
                default -> {}
            }
        }
        return record;
    }

    private ReadRun toRun(
            RunRecord record,
            Map<String, ByteString> records,
            Map<String, Long> modRevisions,
            Map<String, ByteString> inputs,
            long revision) {
        var runId = record.getId();
        // Inputs of wide fan-in nodes not yet READY, by node: {@code <runInputs><node>/<upstream>}.
        var pending = new HashMap<String, Map<String, byte[]>>();
        String inputsRoot = keys.runInputs(runId);
        inputs.forEach((key, value) -> {
            var rest = key.substring(inputsRoot.length());
            int slash = rest.indexOf('/');
            pending.computeIfAbsent(rest.substring(0, slash), k -> new LinkedHashMap<>())
                    .put(rest.substring(slash + 1), value.toByteArray());
        });
        var stored = new ArrayList<StoredNode>(records.size());
        records.forEach((key, value) -> stored.add(StoredNode.of(
                EtcdStorage.decode(value, NodeRecord::parseFrom, key), modRevisions.getOrDefault(key, revision))));
        stored.sort(Comparator.comparingInt(s -> s.record().getIndex()));
        var edges = new Edge[record.getEdgeCount()];
        var nodes = new ArrayList<Node>(stored.size());
        long completed = 0;
        boolean started = false;
        var changedAt = new long[stored.size()];
        for (var s : stored) {
            changedAt[nodes.size()] = s.modRevision();
            nodes.add(toNode(s, pending.get(s.name())));
            for (var d : s.record().getDownstreamList()) {
                if (d.getEdgeIndex() < edges.length) {
                    edges[d.getEdgeIndex()] = new Edge(s.name(), d.getName());
                }
            }
            completed += s.state().status() == NodeStatus.COMPLETED ? 1 : 0;
            // A node has started once it ran, or was marked (unreached, cancelled) when it completed.
            started |= s.state().startedAt() != null || !s.state().attempts().isEmpty();
        }
        var status = Protocol.runStatus(nodes.size(), completed, started);
        var run = new Run(
                runId,
                Timestamps.fromNanos(record.getCreatedAtNs()),
                nodes,
                Arrays.stream(edges).filter(Objects::nonNull).toList(),
                status,
                Run.conclusionOf(status, record.getCancelled(), nodes));
        return new ReadRun(run, revision, changedAt, record.getCancelled());
    }

    /**
     * The node a record stands for. {@code delivered}: the inputs stored under per-edge keys for it,
     * if any; a wide fan-in node before it is READY (or left unreached) holds none in its record.
     */
    static Node toNode(StoredNode s, Map<String, byte[]> delivered) {
        var node = s.state().toNode(s.spec());
        if (delivered == null || !s.state().inputs().isEmpty()) {
            return node;
        }
        return new Node(
                node.spec(),
                node.status(),
                node.attempts(),
                node.startedAt(),
                node.finishedAt(),
                delivered,
                node.claim(),
                node.conclusion(),
                node.notBefore(),
                node.cancelRequested());
    }
}
