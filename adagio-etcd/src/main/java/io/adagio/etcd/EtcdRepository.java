package io.adagio.etcd;

import static io.adagio.etcd.Keys.bytes;
import static io.adagio.etcd.Keys.text;

import io.adagio.core.graph.RunGraph;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.Stats;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.protocol.RunIds;
import io.adagio.core.protocol.Step;
import io.adagio.core.protocol.Timestamps;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.Subscription;
import io.adagio.core.repository.ValidatingRepository;
import io.adagio.etcd.EtcdStorage.StoredNode;
import io.adagio.etcd.storage.AgentRecord;
import io.adagio.etcd.storage.CounterShard;
import io.adagio.etcd.storage.Downstream;
import io.adagio.etcd.storage.IndexEntry;
import io.adagio.etcd.storage.InstanceRecord;
import io.adagio.etcd.storage.Journal;
import io.adagio.etcd.storage.NodeRecord;
import io.adagio.etcd.storage.RunRecord;
import io.adagio.etcd.storage.RunningEntry;
import io.adagio.etcd.storage.WriteOp;
import io.adagio.wire.WireMapping;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.grpc.ClientInterceptor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed repository on etcd v3 (DESIGN §4).
 *
 * <p>Every transition is {@link Protocol}'s, run over an {@link EtcdNodeTable}: the few node records
 * the transition touches are read, the protocol computes the new states, and all writes (node
 * records, the ready/orphaned/running indexes, the leased claim key, a stats counter shard) are
 * committed in one transaction guarded by the mod revision of every record read. On conflict the
 * transition is computed again from the fresh records the failed transaction returned. A transition
 * with more writes than one transaction may hold is decided atomically as a journal and applied in
 * chunks (see {@link #applyJournal}).
 *
 * <p>Liveness: one lease per instance (per agent process), kept alive by heartbeats. Claim keys and
 * agent keys carry it; when it expires etcd deletes them, watchers see the deletes and orphan the
 * nodes. Events come from watches on the ready and orphaned indexes.
 *
 * <p>Thread-safe. Build one with {@link #connect(EtcdSettings, ClientInterceptor...)}.
 */
public final class EtcdRepository extends ValidatingRepository {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdRepository.class);
    private static final int FORMAT = EtcdStorage.FORMAT_VERSION;
    /** Room kept in a transaction for the stats shard and guard operations. */
    private static final int TXN_RESERVE = 4;
    /** Bytes kept below etcd's default 1.5 MiB request limit. */
    private static final int MAX_TXN_BYTES = 1024 * 1024;

    private static final int PAGE = 1000;

    static final Duration KEEPALIVE_TIME = Duration.ofSeconds(15);
    static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);
    /** How often an instance looks for counter shards of dead instances (also done at each lease grant). */
    private static final Duration SHARD_MERGE_PERIOD = Duration.ofMinutes(5);

    private final Client client;
    private final KV kv;
    private final EtcdSettings settings;
    private final Keys keys;
    private final String instanceId = UUID.randomUUID().toString();
    private final Leases leases;
    private final CounterShards shards;
    private final ExecutorService background = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("adagio-etcd-", 0).factory());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("adagio-etcd-timer").daemon().factory());
    private final Set<SubscriptionHandle> subscriptions = ConcurrentHashMap.newKeySet();
    private final List<Runnable> livenessListeners = new CopyOnWriteArrayList<>();
    /** Claims won here: the lease they hang on, and the record as committed (spares finish a read). */
    private final ConcurrentHashMap<ClaimRef, HeldClaim> held = new ConcurrentHashMap<>();
    /** Records that came with watched index entries: claims of those nodes skip their read. */
    private final ClaimHints hints = new ClaimHints(4096);

    private final AtomicLong lastCreatedNs = new AtomicLong();
    private final AtomicLong writeCounter = new AtomicLong();
    private final Object orphanWatchLock = new Object();
    private final java.util.concurrent.atomic.AtomicBoolean orphanScanPending =
            new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Watch.Watcher orphanWatcher;
    private volatile boolean closed;

    private EtcdRepository(Client client, EtcdSettings settings) {
        super(settings.limits());
        this.client = client;
        this.kv = client.getKVClient();
        this.settings = settings;
        this.keys = new Keys(settings.namespace());
        this.leases = new Leases(client, settings, timer, this::onLeaseLost, this::registerInstance);
        // A shard is written only by a registered instance (one whose instance key lives), so that
        // no one takes its shards for a dead instance's; an API process gets its lease this way.
        this.shards = new CounterShards(keys, instanceId, this::loadShard, () -> {
            if (leases.currentIfAny() == 0) {
                leases.current();
            }
        });
        long period = SHARD_MERGE_PERIOD.toMillis();
        timer.scheduleWithFixedDelay(
                () -> background.execute(this::mergeDeadShardsQuietly), period, period, TimeUnit.MILLISECONDS);
        // Orphans and stuck fan-ins are also looked for at subscribe, and orphans whenever an instance ends.
        long housekeeping = settings.housekeepingPeriod().toMillis();
        timer.scheduleWithFixedDelay(
                () -> background.execute(this::housekeepQuietly), housekeeping, housekeeping, TimeUnit.MILLISECONDS);
    }

    /**
     * Connects to etcd. Nothing is read or written until the first call; a lease is granted on the
     * first claim or subscription.
     *
     * @param interceptors gRPC interceptors for every etcd request (metrics, request counting in tests)
     */
    public static EtcdRepository connect(EtcdSettings settings, ClientInterceptor... interceptors) {
        var builder = Client.builder()
                .endpoints(settings.addresses().toArray(String[]::new))
                .connectTimeout(settings.requestTimeout())
                // etcd's server enforces a keepalive policy (--grpc-keepalive-min-time, default 5s, and
                // no pings at all on a connection without an open stream): pinging an idle connection
                // made it answer GOAWAY "too_many_pings" and drop the connection. Ping only while a
                // stream (watch, lease heartbeats) is open, no more often than gRPC-java's floor of 10s;
                // unary requests have their own deadline (requestTimeout).
                .keepaliveTime(KEEPALIVE_TIME)
                .keepaliveTimeout(KEEPALIVE_TIMEOUT)
                .keepaliveWithoutCalls(false)
                .maxInboundMessageSize(64 * 1024 * 1024);
        if (settings.username() != null) {
            builder.user(bytes(settings.username())).password(bytes(settings.password()));
        }
        // TLS when asked for by a file or an https address (then the JVM's trusted CAs apply unless
        // a CA file is given).
        if (settings.caFile() != null
                || settings.certFile() != null
                || settings.addresses().stream().anyMatch(a -> a.startsWith("https://"))) {
            try {
                builder.sslContext(b -> {
                    if (settings.caFile() != null) {
                        b.trustManager(settings.caFile().toFile());
                    }
                    if (settings.certFile() != null) {
                        b.keyManager(
                                settings.certFile().toFile(), settings.keyFile().toFile());
                    }
                });
            } catch (javax.net.ssl.SSLException | RuntimeException e) {
                throw new IllegalArgumentException("cannot set up TLS for etcd: " + e.getMessage(), e);
            }
        }
        if (interceptors.length > 0) {
            builder.interceptors(List.of(interceptors));
        }
        return new EtcdRepository(builder.build(), settings);
    }

    public EtcdSettings settings() {
        return settings;
    }

    /**
     * Calls {@code listener} whenever this instance's liveness lease is lost (expired while etcd
     * could not be reached, or revoked). Claims held under it can no longer be finished and the
     * subscriptions made under it are closed; an agent pool should stop its work and subscribe again.
     */
    public void onLivenessLost(Runnable listener) {
        livenessListeners.add(listener);
    }

    /** The claim key of a node (tests delete it to do what the end of a lease does). */
    String claimKey(String runId, String node) {
        return keys.claim(runId, node);
    }

    /** The id of this instance's current lease, or 0 when it holds none. */
    public long leaseId() {
        return leases.currentIfAny();
    }

    // ------------------------------------------------------------------------------------------
    // Start, inspect, list, stats, agents
    // ------------------------------------------------------------------------------------------

    @Override
    protected Run start(RunGraph graph) {
        ensureOpen();
        Instant createdAt = nextCreationTime();
        String runId = RunIds.next(createdAt);
        String writeId = newWriteId();

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
        var nodes = new ArrayList<Node>(graph.nodes().size());
        var chunks = new TxnChunker(settings.maxTxnOps() - TXN_RESERVE);
        var readyOps = new ArrayList<Op>();
        long readyBytes = 0;
        long recordBytes = 0;
        // Sinks first: when a node is written, everything downstream of it already exists, so a
        // start cut short (a crash) never leaves a claimable node whose finish finds nothing below.
        for (var name : reverseTopologicalOrder(graph)) {
            var spec0 = graph.node(name);
            var state = NodeState.initial(graph.upstream(name).size());
            var record = NodeRecord.newBuilder()
                    .setFormat(FORMAT)
                    .setIndex(nodeIndex.get(name))
                    .setUpstreamCount(graph.upstream(name).size())
                    .setSpec(WireMapping.toProto(spec0));
            for (var down : graph.downstream(name)) {
                record.addDownstream(
                        Downstream.newBuilder().setName(down).setEdgeIndex(edgeIndex.get(new Edge(name, down))));
            }
            var r = EtcdStorage.withState(record.build(), state, writeId);
            chunks.add(
                    Op.put(bytes(keys.node(runId, name)), EtcdStorage.encode(r), PutOption.DEFAULT),
                    r.getSerializedSize());
            recordBytes += r.getSerializedSize() + 64L;
            if (state.status() == NodeStatus.READY) {
                var entry = EtcdStorage.indexEntry(Event.ready(runId, spec0), r);
                readyOps.add(Op.put(bytes(keys.ready(runId, name)), EtcdStorage.encode(entry), PutOption.DEFAULT));
                readyBytes += entry.getSerializedSize() + 64L;
            }
            delta[CounterShards.index(state.status())]++;
        }
        var runRecord = RunRecord.newBuilder()
                .setFormat(FORMAT)
                .setId(runId)
                .setCreatedAtNs(Timestamps.toNanos(createdAt))
                .setNodeCount(graph.nodes().size())
                .setEdgeCount(graph.edges().size())
                .build();
        var last = new ArrayList<Op>();
        last.add(Op.put(bytes(keys.run(runId)), EtcdStorage.encode(runRecord), PutOption.DEFAULT));
        // The roots' ready entries go with the run record when they fit (they almost always do), so
        // that a start cut short leaves nothing any agent hears of. Otherwise they are written before
        // it; claims on a run without its record are refused (see transition), so a start cut short
        // never runs anything either way.
        var all = chunks.chunks();
        if (all.size() == 1
                && all.getFirst().size() + readyOps.size() + last.size() + TXN_RESERVE <= settings.maxTxnOps()
                && recordBytes + readyBytes < MAX_TXN_BYTES) {
            // A small run (the usual case) starts in one transaction: one request, and its roots'
            // records and ready entries share a revision, so claims can trust the entries' copies.
            var ops = new ArrayList<>(all.getFirst());
            ops.addAll(readyOps);
            ops.addAll(last);
            commitWithShard(delta, List.of(), ops);
        } else {
            if (readyOps.size() + last.size() + TXN_RESERVE <= settings.maxTxnOps() && readyBytes < MAX_TXN_BYTES / 2) {
                last.addAll(readyOps);
            } else {
                for (var op : readyOps) {
                    chunks.add(op, readyBytes / readyOps.size());
                }
                all = chunks.chunks();
            }
            // The chunks are independent puts: sent at once, so etcd commits them together.
            var commits = all.stream()
                    .map(chunk -> kv.txn().Then(chunk.toArray(Op[]::new)).commit())
                    .toList();
            for (var c : commits) {
                await(c);
            }
            // The run becomes visible (Inspect, ListRuns, Stats) and claimable with its last write.
            commitWithShard(delta, List.of(), last);
        }
        for (var n : graph.nodes()) {
            nodes.add(NodeState.initial(graph.upstream(n.name()).size()).toNode(n));
        }
        LOG.debug(
                "started run {} with {} nodes and {} edges",
                runId,
                graph.nodes().size(),
                graph.edges().size());
        return new Run(
                runId,
                createdAt,
                nodes,
                graph.edges(),
                Protocol.runStatus(
                        nodes.size(),
                        nodes.stream()
                                .filter(n -> n.status() == NodeStatus.COMPLETED)
                                .count(),
                        false));
    }

    @Override
    protected Run inspect(String runId) {
        ensureOpen();
        for (int attempt = 0; ; attempt++) {
            // The run record, its first page of nodes and the journal marker at one revision.
            var r = await(kv.txn()
                    .Then(
                            Op.get(bytes(keys.run(runId)), GetOption.DEFAULT),
                            Op.get(
                                    bytes(keys.journal(runId)),
                                    GetOption.builder().withCountOnly(true).build()),
                            Op.get(
                                    bytes(keys.nodes(runId)),
                                    GetOption.builder()
                                            .isPrefix(true)
                                            .withLimit(PAGE)
                                            .build()),
                            // Inputs of wide fan-in nodes not yet READY live under per-edge keys.
                            Op.get(
                                    bytes(keys.runInputs(runId)),
                                    GetOption.builder()
                                            .isPrefix(true)
                                            .withLimit(PAGE)
                                            .build()))
                    .commit());
            var gets = r.getGetResponses();
            if (gets.get(0).getKvs().isEmpty()) {
                throw RepositoryException.NotFound.run(runId);
            }
            if (gets.get(1).getCount() > 0 && attempt < 3) {
                // A big transition is half applied: let it finish so the run reads consistently.
                awaitJournal(runId);
                continue;
            }
            var record = EtcdStorage.decode(
                    gets.get(0).getKvs().getFirst().getValue(), RunRecord::parseFrom, keys.run(runId));
            var kvs = new ArrayList<>(gets.get(2).getKvs());
            kvs.addAll(rest(keys.nodes(runId), gets.get(2), r.getHeader().getRevision()));
            var inputKvs = new ArrayList<>(gets.get(3).getKvs());
            inputKvs.addAll(
                    rest(keys.runInputs(runId), gets.get(3), r.getHeader().getRevision()));
            var stuck = new ArrayList<String>();
            var run = toRun(record, kvs, inputKvs, stuck);
            if (!stuck.isEmpty() && attempt < 3) {
                // A wide fan-in node with every input but still WAITING: the finisher that should
                // have promoted it died between its commit and the promotion. Repair, read again.
                stuck.forEach(n -> promote(runId, n));
                continue;
            }
            return run;
        }
    }

    @Override
    public List<Run> listRuns(RunQuery query) {
        ensureOpen();
        if (query.startNs() != 0 && query.finishNs() != 0 && query.startNs() < query.finishNs()) {
            return List.of();
        }
        // Run IDs are ULIDs: their first characters order by creation millisecond, so the time
        // window is a key range; the exact nanosecond bounds are checked on each record.
        String from = query.finishNs() == 0
                ? keys.runs()
                : keys.run(com.github.f4b6a3.ulid.Ulid.min(Math.floorDiv(query.finishNs(), 1_000_000L))
                        .toString());
        String to = query.startNs() == 0
                ? keys.runs() + "\uffff"
                : keys.run(com.github.f4b6a3.ulid.Ulid.max(Math.floorDiv(query.startNs(), 1_000_000L))
                                .toString()) + "\u0000";
        var out = new ArrayList<Run>();
        String upper = to;
        while (true) {
            long want = query.limit() == 0 ? PAGE : Math.min(PAGE, query.limit() - out.size());
            var page = await(kv.get(
                    bytes(from),
                    GetOption.builder()
                            .withRange(bytes(upper))
                            .withSortField(GetOption.SortTarget.KEY)
                            .withSortOrder(GetOption.SortOrder.DESCEND)
                            .withLimit(want)
                            .build()));
            for (var kv0 : page.getKvs()) {
                var record = EtcdStorage.decode(kv0.getValue(), RunRecord::parseFrom, text(kv0.getKey()));
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

    @Override
    public Stats stats() {
        ensureOpen();
        // One range over the counter shards: a few keys per repository instance, never the nodes.
        var r = await(
                kv.get(bytes(keys.stats()), GetOption.builder().isPrefix(true).build()));
        long[] sum = new long[CounterShards.FIELDS];
        for (var kv0 : r.getKvs()) {
            CounterShards.add(sum, EtcdStorage.decode(kv0.getValue(), CounterShard::parseFrom, text(kv0.getKey())));
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

    @Override
    public List<Agent> listAgents() {
        ensureOpen();
        var r = await(
                kv.get(bytes(keys.agents()), GetOption.builder().isPrefix(true).build()));
        var agents = new LinkedHashMap<String, Agent>();
        for (var kv0 : r.getKvs()) {
            var a = WireMapping.fromProto(EtcdStorage.decode(kv0.getValue(), AgentRecord::parseFrom, text(kv0.getKey()))
                    .getAgent());
            agents.putIfAbsent(a.id(), a);
        }
        return List.copyOf(agents.values());
    }

    // ------------------------------------------------------------------------------------------
    // Claim, finish, orphan
    // ------------------------------------------------------------------------------------------

    /**
     * {@inheritDoc}
     *
     * <p>Idempotent for one claim id: if a claim's request went unanswered (etcd unreachable, reported
     * as {@link RepositoryException.Unavailable}), claiming again with the same {@link Claim} tells
     * whether it won, so a node is never left held by a claim its agent does not know it has.
     */
    @Override
    protected ClaimResult claim(String runId, String nodeName, Claim claim) {
        ensureOpen();
        var outcome = transition(
                Kind.CLAIM,
                runId,
                nodeName,
                claim,
                null,
                table -> Protocol.claim(table, nodeName, claim, Instant.now()));
        if (outcome.step().claimed()) {
            held.put(
                    new ClaimRef(runId, nodeName, claim.id()),
                    new HeldClaim(outcome.lease(), outcome.primary(), outcome.downstream()));
        }
        return ClaimResult.of(outcome.step());
    }

    @Override
    protected Node finish(String runId, String nodeName, Result result, Claim claim) {
        ensureOpen();
        var ref = claim == null ? null : new ClaimRef(runId, nodeName, claim.id());
        var mine = ref == null ? null : held.get(ref);
        if (mine != null && !leases.alive(mine.lease())) {
            // This process lost its lease: the claim may already be orphaned and re-claimed.
            held.remove(ref);
            throw new RepositoryException.StaleClaim(runId, nodeName, claim.id());
        }
        var outcome = transition(
                Kind.FINISH,
                runId,
                nodeName,
                claim,
                result,
                table -> Protocol.finish(table, nodeName, result, claim, Instant.now()));
        if (ref != null) {
            held.remove(ref);
        }
        for (var node : outcome.complete()) {
            promoteQuietly(runId, node);
        }
        if (!outcome.delivered().isEmpty()) {
            promoteWide(runId, outcome.delivered());
        }
        return outcome.step().node();
    }

    /**
     * Orphans the node if it is RUNNING and its claim key is gone (its holder's lease ended). Used
     * by {@link #recoverOrphans()}; does nothing to a node whose claim lives.
     */
    void orphanIfLost(String runId, String nodeName) {
        try {
            transition(Kind.ORPHAN, runId, nodeName, null, null, table -> Protocol.orphan(table, nodeName));
        } catch (RepositoryException.NotFound gone) {
            // the run or node is gone
        }
    }

    /**
     * Finds RUNNING nodes whose claim key is gone (their holder's lease ended) and orphans them,
     * finishes journals left half applied, and promotes wide fan-in nodes left stuck
     * ({@link #promoteStuckFanIns()}). Reads the running index, the claim keys and the tallies, never
     * all nodes. Agent processes run it when they subscribe, when an instance's lease ends (see
     * {@link #ensureOrphanWatch()}) and every {@link EtcdSettings#housekeepingPeriod()}.
     *
     * @return the etcd revision the scan saw
     */
    public long recoverOrphans() {
        ensureOpen();
        var r = await(kv.txn()
                .Then(
                        Op.get(
                                bytes(keys.running()),
                                GetOption.builder()
                                        .isPrefix(true)
                                        .withKeysOnly(true)
                                        .build()),
                        Op.get(
                                bytes(keys.claims()),
                                GetOption.builder()
                                        .isPrefix(true)
                                        .withKeysOnly(true)
                                        .build()),
                        Op.get(
                                bytes(keys.journals()),
                                GetOption.builder()
                                        .isPrefix(true)
                                        .withKeysOnly(true)
                                        .build()))
                .commit());
        var gets = r.getGetResponses();
        for (var kv0 : gets.get(2).getKvs()) {
            applyJournal(text(kv0.getKey()).substring(keys.journals().length()));
        }
        var claimed = new HashSet<String>();
        for (var kv0 : gets.get(1).getKvs()) {
            claimed.add(text(kv0.getKey()).substring(keys.claims().length()));
        }
        int orphaned = 0;
        for (var kv0 : gets.get(0).getKvs()) {
            var ref = text(kv0.getKey()).substring(keys.running().length());
            if (!claimed.contains(ref)) {
                var parts = Keys.runAndNode("", ref);
                orphanIfLost(parts[0], parts[1]);
                orphaned++;
            }
        }
        if (orphaned > 0) {
            LOG.info("recovered {} node(s) orphaned while nobody watched", orphaned);
        }
        int promoted = promoteStuckFanIns();
        if (promoted > 0) {
            LOG.info("promoted {} wide fan-in node(s) whose last upstream's finisher did not", promoted);
        }
        return r.getHeader().getRevision();
    }

    /**
     * Promotes the wide fan-in nodes that have every input yet are still WAITING: the finisher whose
     * delivery completed them died between its commit and the promotion. Found by their tallies
     * (deleted when a node leaves WAITING, so only fan-ins in progress are read), checked against
     * the input keys themselves by {@link #promote}. Runs with {@link #recoverOrphans()}: at subscribe
     * and every {@link EtcdSettings#housekeepingPeriod()} in a process with a subscription (an agent
     * process).
     *
     * @return how many nodes it promoted
     */
    public int promoteStuckFanIns() {
        ensureOpen();
        var tallies = await(kv.get(
                        bytes(keys.tallies()),
                        GetOption.builder().isPrefix(true).build()))
                .getKvs();
        int promoted = 0;
        for (var kv0 : tallies) {
            int expected;
            try {
                expected = Integer.parseInt(text(kv0.getValue()));
            } catch (NumberFormatException e) {
                continue; // written by a release that did not say; Inspect still repairs those nodes
            }
            var ref = Keys.runAndNode(keys.tallies(), text(kv0.getKey()));
            if (kv0.getVersion() >= expected && promote(ref[0], ref[1])) {
                promoted++;
            }
        }
        return promoted;
    }

    /** The periodic {@link #recoverOrphans()} of an agent process: a net under the instance watch. */
    private void housekeepQuietly() {
        if (closed || subscriptions.isEmpty()) {
            return;
        }
        try {
            recoverOrphans();
        } catch (RuntimeException e) {
            LOG.debug("periodic orphan scan failed: {}", e.getMessage());
        }
    }

    private enum Kind {
        CLAIM,
        FINISH,
        ORPHAN
    }

    /**
     * What a transition did. {@code delivered}: wide fan-in nodes handed an input whose input count is
     * not known (promoteWide counts them); {@code complete}: those the commit found with every input
     * (to promote); {@code downstream}: the primary's downstream records as a claim read them (its
     * finish starts from them).
     */
    private record Outcome(
            Step step,
            long lease,
            StoredNode primary,
            List<String> delivered,
            List<String> complete,
            Map<String, StoredNode> downstream) {
        Outcome(Step step, long lease, StoredNode primary) {
            this(step, lease, primary, List.of());
        }

        Outcome(Step step, long lease, StoredNode primary, List<String> delivered) {
            this(step, lease, primary, delivered, List.of(), Map.of());
        }
    }

    private record ClaimRef(String runId, String node, String claimId) {}

    /** A claim won here: its lease, the record as the claim committed it, its downstream records as read then. */
    private record HeldClaim(long lease, StoredNode committed, Map<String, StoredNode> downstream) {}

    /** At most this many downstream records are read with a claim (a finish would read them anyway). */
    private static final int MAX_PREFETCH = 16;

    /** What one read of a transition's primary node found. */
    private record Snapshot(StoredNode node, boolean runExists, boolean runRecord, boolean journal, boolean claimKey) {}

    /**
     * Runs one protocol transition on one node: read, compute, commit guarded, retry on conflict.
     * The primary node, the run's journal marker and the node's claim key are read together.
     */
    private Outcome transition(
            Kind kind,
            String runId,
            String nodeName,
            Claim claim,
            Result result,
            Function<EtcdNodeTable, Step> protocol) {
        Snapshot snap = null;
        // Records of other nodes already read (a finish's downstream nodes, as its claim or its last
        // failed commit saw them): compared on commit if the protocol uses them, so they may be stale.
        var known = new HashMap<String, StoredNode>();
        if (kind == Kind.FINISH && claim != null) {
            var mine = held.get(new ClaimRef(runId, nodeName, claim.id()));
            if (mine != null) {
                // The record as our claim committed it: if it changed since, the commit's compare fails
                // and the transition is recomputed from what the failed transaction returns.
                snap = new Snapshot(mine.committed(), true, true, false, true);
                known.putAll(mine.downstream());
            }
        } else if (kind == Kind.CLAIM) {
            var hint = hints.take(runId, nodeName);
            if (hint != null) {
                // The record as its index entry carried it; the commit compares its mod revision (and
                // the run record and journal marker as always), so a stale hint only costs the retry.
                snap = new Snapshot(hint, true, true, false, false);
            }
        }
        if (snap == null) {
            snap = readPrimary(runId, nodeName);
        }
        long deadline =
                System.nanoTime() + settings.requestTimeout().multipliedBy(3).toNanos();
        for (int attempt = 0; ; attempt++) {
            if (closed) {
                throw new RepositoryException.Unavailable("the etcd repository is closed");
            }
            if (attempt > 0 && System.nanoTime() > deadline) {
                throw new RepositoryException.Contention(
                        "etcd: gave up on " + kind.name().toLowerCase() + " of node \"" + nodeName + "\" of run \""
                                + runId + "\" after " + attempt + " conflicting attempts");
            }
            if (snap.journal()) {
                awaitJournal(runId);
                snap = readPrimary(runId, nodeName);
                continue;
            }
            if (snap.node() == null) {
                throw snap.runExists()
                        ? RepositoryException.NotFound.node(runId, nodeName)
                        : RepositoryException.NotFound.run(runId);
            }
            if (kind == Kind.CLAIM && !snap.runRecord()) {
                // The run is still starting, or its start was cut short: its nodes are not claimable
                // until its record is committed (the commit below compares that too).
                throw new RepositoryException.NotReady(runId, nodeName);
            }
            if (kind == Kind.ORPHAN && (snap.claimKey() || snap.node().state().status() != NodeStatus.RUNNING)) {
                // The claim is alive (or the node moved on): not an orphan.
                return new Outcome(
                        new Step(snap.node().state().toNode(snap.node().spec()), false, false, List.of()),
                        0,
                        snap.node());
            }
            if (kind == Kind.FINISH
                    && !snap.claimKey()
                    && snap.node().state().status() == NodeStatus.RUNNING
                    && claim != null
                    && snap.node().state().claim() != null
                    && claim.id().equals(snap.node().state().claim().id())) {
                // Our claim key is gone: the lease it hung on ended, the node is being orphaned.
                throw new RepositoryException.StaleClaim(runId, nodeName, claim.id());
            }
            if (kind == Kind.CLAIM
                    && snap.node().state().status() == NodeStatus.RUNNING
                    && snap.node().state().claim() != null
                    && claim.id().equals(snap.node().state().claim().id())) {
                // The same claim again (a retry after an unanswered request). It holds the node while
                // its claim key lives; without it the lease it hung on ended and the node is lost.
                var step = snap.claimKey()
                        ? protocol.apply(new EtcdNodeTable(runId, nodeName, snap.node(), Map.of(), this::loadNodes))
                        : new Step(snap.node().state().toNode(snap.node().spec()), false, false, List.of());
                return new Outcome(step, leases.currentIfAny(), snap.node());
            }
            var table = new EtcdNodeTable(runId, nodeName, snap.node(), known, this::loadNodes);
            boolean big = false;
            if (kind == Kind.FINISH && touchesDownstream(snap.node(), result)) {
                var downstream = snap.node().downstream();
                // Each downstream node may take two writes (its record and its ready entry).
                big = 2 * downstream.size() + TXN_RESERVE + 4 > settings.maxTxnOps();
                if (!big) {
                    table.prefetch(downstream);
                }
            }
            if (big) {
                var locked = lockedTransition(kind, runId, nodeName, protocol);
                if (locked != null) {
                    return locked;
                }
                snap = readPrimary(runId, nodeName);
                continue;
            }
            long lease = kind == Kind.CLAIM ? leases.current() : 0;
            Step step = protocol.apply(table);
            if (table.written().isEmpty()) {
                return new Outcome(step, lease, snap.node());
            }
            String writeId = newWriteId();
            var plan = plan(kind, runId, nodeName, table, writeId, lease);
            if (plan.tooBig(settings.maxTxnOps())) {
                var locked = lockedTransition(kind, runId, nodeName, protocol);
                if (locked != null) {
                    return locked;
                }
                snap = readPrimary(runId, nodeName);
                continue;
            }
            var ops = new ArrayList<>(plan.ops());
            var cmps = new ArrayList<>(plan.cmps());
            var elseOps = new ArrayList<>(plan.elseOps());
            // A claim also reads the downstream records its finish will need; a finish that fails
            // gets back the records it compared, so neither reads them in a request of its own.
            var prefetch = new ArrayList<String>();
            if (kind == Kind.CLAIM
                    && step.claimed()
                    && snap.node().downstream().size() <= MAX_PREFETCH
                    && ops.size() + snap.node().downstream().size() + TXN_RESERVE <= settings.maxTxnOps()) {
                prefetch.addAll(snap.node().downstream());
                for (var d : prefetch) {
                    ops.add(Op.get(bytes(keys.node(runId, d)), GetOption.DEFAULT));
                }
            }
            var compared = new ArrayList<String>();
            if (kind == Kind.FINISH) {
                for (var name : table.read().keySet()) {
                    if (!name.equals(nodeName) && compared.size() + elseOps.size() + 2 <= settings.maxTxnOps()) {
                        compared.add(name);
                        elseOps.add(Op.get(bytes(keys.node(runId, name)), GetOption.DEFAULT));
                    }
                }
            }
            var shard = shards.acquire();
            TxnResponse response;
            try {
                shard.stage(plan.delta(), cmps, ops, elseOps);
                try {
                    response = await(kv.txn()
                            .If(cmps.toArray(Cmp[]::new))
                            .Then(ops.toArray(Op[]::new))
                            .Else(elseOps.toArray(Op[]::new))
                            .commit());
                } catch (RepositoryException.Unavailable e) {
                    shard.markUnknown();
                    if (EtcdErrors.leaseGone(e) && lease != 0) {
                        leases.lost(lease);
                        snap = readPrimary(runId, nodeName);
                        continue;
                    }
                    // The commit may or may not have applied: look for our write id.
                    var now = readPrimary(runId, nodeName);
                    if (now.node() != null && writeId.equals(now.node().record().getLastWrite())) {
                        return new Outcome(
                                step,
                                lease,
                                now.node(),
                                List.copyOf(table.delivered().keySet()));
                    }
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    snap = now;
                    continue;
                }
                if (response.isSucceeded()) {
                    shard.committed(response.getHeader().getRevision());
                } else {
                    shard.failed(response);
                }
            } finally {
                shards.release(shard);
            }
            if (response.isSucceeded()) {
                var written = table.written().get(nodeName);
                var committed = written == null
                        ? snap.node()
                        : new StoredNode(
                                EtcdStorage.withState(snap.node().record(), written, writeId),
                                snap.node().spec(),
                                snap.node().downstream(),
                                written,
                                response.getHeader().getRevision());
                var gets = response.getGetResponses();
                // The Then branch's reads, in order: the tally of each wide node handed an input (read
                // after this commit's own delivery), then the claim's downstream records.
                var complete = new ArrayList<String>();
                int g = 0;
                for (var d : table.delivered().keySet()) {
                    var tally = gets.get(g++).getKvs();
                    // At least N: promote() checks the input keys themselves, so a tally counted
                    // twice (a journal chunk applied twice) costs a read, never a wrong promotion.
                    if (!tally.isEmpty()
                            && tally.getFirst().getVersion()
                                    >= table.stored(d).record().getUpstreamCount()) {
                        complete.add(d);
                    }
                }
                var downstream = new HashMap<String, StoredNode>();
                for (var d : prefetch) {
                    var kvs = gets.get(g++).getKvs();
                    if (!kvs.isEmpty()) {
                        downstream.put(d, stored(runId, d, kvs.getFirst()));
                    }
                }
                return new Outcome(step, lease, committed, List.of(), complete, downstream);
            }
            LOG.debug("{} of node {} of run {} conflicted; computing it again", kind, nodeName, runId);
            snap = fromElse(runId, nodeName, response);
            var gets = response.getGetResponses();
            known.clear();
            for (int i = 0; i < compared.size(); i++) {
                var kvs = gets.get(4 + i).getKvs();
                known.put(compared.get(i), kvs.isEmpty() ? null : stored(runId, compared.get(i), kvs.getFirst()));
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Wide fan-in: inputs under per-edge keys, readiness decided after the upstream's commit
    // ------------------------------------------------------------------------------------------

    /**
     * After a finish that delivered inputs to wide fan-in nodes (EtcdNodeTable.put), moves those
     * whose every input key is now present to READY.
     *
     * <p>This is the path for finishes whose commit could not count the deliveries itself: a big
     * transition applied from a journal, or a commit whose answer was lost. The usual path reads the
     * node's tally (see plan) in the delivering transaction.
     *
     * <p>Why exactly one promotion happens, and always one: etcd is linearizable and each upstream
     * finisher looks at a node's deliveries only after its own is committed. Whichever of the N
     * finishers committed last therefore sees N (earlier ones may too, if they look late). Every
     * finisher that sees N promotes guarded by the node's mod revision (and the run's journal
     * marker): the first commit wins, the others read it READY and stop. A node left unreached by a
     * failed upstream never gets N inputs and is no longer WAITING, so it is never promoted; a
     * retried upstream delivers only with its final success.
     *
     * <p>The cost is one request per finish here (the counts and records of all its wide downstream
     * nodes), plus a read and a transaction once per promoted node, instead of a guarded rewrite of
     * an ever-growing record by every upstream, each conflicting with the others.
     */
    private void promoteWide(String runId, List<String> nodes) {
        try {
            int per = Math.max(1, (settings.maxTxnOps()) / 2);
            for (int i = 0; i < nodes.size(); i += per) {
                var part = nodes.subList(i, Math.min(nodes.size(), i + per));
                var ops = new ArrayList<Op>();
                for (var n : part) {
                    ops.add(Op.get(bytes(keys.node(runId, n)), GetOption.DEFAULT));
                    ops.add(Op.get(
                            bytes(keys.inputs(runId, n)),
                            GetOption.builder()
                                    .isPrefix(true)
                                    .withCountOnly(true)
                                    .build()));
                }
                var gets = await(kv.txn().Then(ops.toArray(Op[]::new)).commit()).getGetResponses();
                for (int j = 0; j < part.size(); j++) {
                    var kvs = gets.get(2 * j).getKvs();
                    if (kvs.isEmpty()) {
                        continue;
                    }
                    var node = stored(runId, part.get(j), kvs.getFirst());
                    if (node.state().status() == NodeStatus.WAITING
                            && gets.get(2 * j + 1).getCount() >= node.record().getUpstreamCount()) {
                        promote(runId, part.get(j));
                    }
                }
            }
        } catch (RepositoryException e) {
            // The finish itself is committed: a lost promotion is retried in the background rather
            // than reported as a failed finish (which its caller would retry into a StaleClaim).
            if (!e.retryable()) {
                LOG.error("promotion of wide fan-in nodes of run {} failed: {}", runId, e.getMessage());
                return;
            }
            LOG.info("promotion of wide fan-in nodes of run {} failed ({}); retrying", runId, e.getMessage());
            retryLater(() -> promoteWide(runId, nodes));
        }
    }

    /** {@link #promote}, retried in the background if etcd fails meanwhile: the finish is committed. */
    private void promoteQuietly(String runId, String nodeName) {
        try {
            promote(runId, nodeName);
        } catch (RepositoryException e) {
            if (!e.retryable()) {
                LOG.error("promotion of node {} of run {} failed: {}", nodeName, runId, e.getMessage());
                return;
            }
            LOG.info("promotion of node {} of run {} failed ({}); retrying", nodeName, runId, e.getMessage());
            retryLater(() -> promote(runId, nodeName));
        }
    }

    /**
     * Moves one wide fan-in node with all its inputs present from WAITING to READY, inputs copied in.
     *
     * @return whether this call promoted it (false: not WAITING, not every input there, or closed)
     */
    private boolean promote(String runId, String nodeName) {
        long deadline =
                System.nanoTime() + settings.requestTimeout().multipliedBy(3).toNanos();
        while (!closed) {
            var r = await(kv.txn()
                    .Then(
                            Op.get(bytes(keys.node(runId, nodeName)), GetOption.DEFAULT),
                            Op.get(
                                    bytes(keys.inputs(runId, nodeName)),
                                    GetOption.builder().isPrefix(true).build()),
                            Op.get(
                                    bytes(keys.journal(runId)),
                                    GetOption.builder().withCountOnly(true).build()))
                    .commit());
            var gets = r.getGetResponses();
            if (gets.get(2).getCount() > 0) {
                awaitJournal(runId);
                continue;
            }
            var kvs = gets.get(0).getKvs();
            if (kvs.isEmpty()) {
                return false;
            }
            var node = stored(runId, nodeName, kvs.getFirst());
            var inputKvs = gets.get(1).getKvs();
            if (node.state().status() != NodeStatus.WAITING
                    || inputKvs.size() < node.record().getUpstreamCount()) {
                return false; // promoted by another finisher, or left unreached
            }
            var before = node.state();
            var ready = new NodeState(
                    NodeStatus.READY,
                    before.attempts(),
                    before.startedAt(),
                    before.finishedAt(),
                    inputsOf(keys.inputs(runId, nodeName), inputKvs),
                    before.claim(),
                    0,
                    false);
            var cmps = new ArrayList<Cmp>();
            cmps.add(new Cmp(bytes(keys.journal(runId)), Cmp.Op.EQUAL, CmpTarget.version(0)));
            cmps.add(new Cmp(
                    bytes(keys.node(runId, nodeName)), Cmp.Op.EQUAL, CmpTarget.modRevision(node.modRevision())));
            var ops = new ArrayList<Op>();
            var readyRecord = EtcdStorage.withState(node.record(), ready, newWriteId());
            ops.add(Op.put(bytes(keys.node(runId, nodeName)), EtcdStorage.encode(readyRecord), PutOption.DEFAULT));
            ops.add(Op.put(
                    bytes(keys.ready(runId, nodeName)),
                    EtcdStorage.encode(EtcdStorage.indexEntry(Event.ready(runId, node.spec()), readyRecord)),
                    PutOption.DEFAULT));
            ops.add(Op.delete(bytes(keys.tally(runId, nodeName)), DeleteOption.DEFAULT));
            long[] delta = new long[CounterShards.FIELDS];
            delta[CounterShards.index(NodeStatus.WAITING)]--;
            delta[CounterShards.index(NodeStatus.READY)]++;
            var shard = shards.acquire();
            try {
                shard.stage(delta, cmps, ops);
                TxnResponse response;
                try {
                    response = await(kv.txn()
                            .If(cmps.toArray(Cmp[]::new))
                            .Then(ops.toArray(Op[]::new))
                            .commit());
                } catch (RepositoryException.Unavailable e) {
                    shard.markUnknown();
                    throw e; // retried from the start: a promotion that did apply reads READY
                }
                if (response.isSucceeded()) {
                    shard.committed(response.getHeader().getRevision());
                    return true;
                }
                shard.markUnknown(); // the node, the journal or the shard changed: read again
            } finally {
                shards.release(shard);
            }
            if (System.nanoTime() > deadline) {
                throw new RepositoryException.Contention("etcd: gave up promoting node \"" + nodeName + "\" of run \""
                        + runId + "\" after conflicting attempts");
            }
        }
        return false; // closed
    }

    /** The inputs stored under {@code prefix} ({@code <prefix><upstream>} = output), in key order. */
    private static Map<String, byte[]> inputsOf(String prefix, List<KeyValue> kvs) {
        var inputs = new LinkedHashMap<String, byte[]>();
        for (var kv0 : kvs) {
            inputs.put(
                    text(kv0.getKey()).substring(prefix.length()),
                    kv0.getValue().getBytes());
        }
        return inputs;
    }

    /** Whether a finish with this result will touch the downstream nodes (success or final failure). */
    private static boolean touchesDownstream(StoredNode node, Result result) {
        if (result == null || result.conclusion() == Conclusion.NONE) {
            return false;
        }
        return result.conclusion() == Conclusion.SUCCESS
                || !Protocol.allowsAnotherAttempt(node.spec(), node.state(), result.conclusion());
    }

    private record Plan(List<Cmp> cmps, List<Op> ops, List<Op> elseOps, long[] delta, List<WriteOp> journalOps) {
        boolean tooBig(int maxOps) {
            return cmps.size() + 1 > maxOps || ops.size() + TXN_RESERVE > maxOps || elseOps.size() > maxOps;
        }
    }

    /** The guarded writes of a computed transition. */
    private Plan plan(Kind kind, String runId, String nodeName, EtcdNodeTable table, String writeId, long lease) {
        return plan(kind, runId, nodeName, table, writeId, lease, false);
    }

    /**
     * {@code forJournal}: the writes are also collected as journal ops, and index entries do not carry
     * the records written beside them (applyJournal adds those copies chunk by chunk).
     */
    private Plan plan(
            Kind kind,
            String runId,
            String nodeName,
            EtcdNodeTable table,
            String writeId,
            long lease,
            boolean forJournal) {
        boolean hints = !forJournal;
        var cmps = new ArrayList<Cmp>();
        var ops = new ArrayList<Op>();
        var journalOps = forJournal ? new ArrayList<WriteOp>() : null;
        long[] delta = new long[CounterShards.FIELDS];
        // Nothing applies while a big transition of the run is half done.
        cmps.add(new Cmp(bytes(keys.journal(runId)), Cmp.Op.EQUAL, CmpTarget.version(0)));
        var claimKey = bytes(keys.claim(runId, nodeName));
        if (kind == Kind.FINISH) {
            // Only while the claim's lease lives: a holder that lost it cannot report any more.
            cmps.add(new Cmp(claimKey, Cmp.Op.GREATER, CmpTarget.version(0)));
        } else if (kind == Kind.CLAIM) {
            // Only once the run's start is complete (its record is written last).
            cmps.add(new Cmp(bytes(keys.run(runId)), Cmp.Op.GREATER, CmpTarget.version(0)));
        } else if (kind == Kind.ORPHAN) {
            cmps.add(new Cmp(claimKey, Cmp.Op.EQUAL, CmpTarget.version(0)));
        }
        var elseOps = new ArrayList<Op>();
        elseOps.add(Op.get(
                bytes(keys.run(runId)), GetOption.builder().withCountOnly(true).build()));
        elseOps.add(Op.get(
                bytes(keys.journal(runId)),
                GetOption.builder().withCountOnly(true).build()));
        elseOps.add(Op.get(claimKey, GetOption.builder().withCountOnly(true).build()));
        elseOps.add(Op.get(bytes(keys.node(runId, nodeName)), GetOption.DEFAULT));
        for (var e : table.read().entrySet()) {
            // Every record read is compared, a wide fan-in node only handed an input too: its record
            // is not rewritten by deliveries (they go to per-edge keys), only when it leaves WAITING,
            // so its upstream nodes still finish concurrently, and none delivers to it once it left.
            if (e.getValue() != null) {
                cmps.add(new Cmp(
                        bytes(keys.node(runId, e.getKey())),
                        Cmp.Op.EQUAL,
                        CmpTarget.modRevision(e.getValue().modRevision())));
            }
        }
        for (var d : table.delivered().values()) {
            put(ops, journalOps, keys.input(runId, d.node(), d.upstream()), d.output(), 0);
            // A blind put, so deliveries never conflict; its version counts them, its value says how
            // many to expect (for promoteStuckFanIns).
            put(
                    ops,
                    journalOps,
                    keys.tally(runId, d.node()),
                    Integer.toString(table.stored(d.node()).record().getUpstreamCount())
                            .getBytes(StandardCharsets.UTF_8),
                    0);
        }
        for (var d : table.delivered().values()) {
            // Read in the same transaction, after its own put: the last of the N deliveries sees
            // version N. O(1), where counting the input keys was O(inputs) in etcd on every finish.
            // (Not in the journal: a journal's applier does not look.)
            ops.add(Op.get(bytes(keys.tally(runId, d.node())), GetOption.DEFAULT));
        }
        for (var e : table.written().entrySet()) {
            var name = e.getKey();
            var before = table.stored(name);
            var after = e.getValue();
            var record = EtcdStorage.withState(before.record(), after, writeId);
            put(ops, journalOps, keys.node(runId, name), record.toByteArray(), 0);
            var from = before.state().status();
            var to = after.status();
            if (from == to) {
                continue;
            }
            if (from == NodeStatus.WAITING && EtcdStorage.wideFanIn(before.record())) {
                delete(ops, journalOps, keys.tally(runId, name)); // left unreached: nothing more to count
            }
            delta[CounterShards.index(from)]--;
            delta[CounterShards.index(to)]++;
            switch (from) {
                case READY -> delete(ops, journalOps, keys.ready(runId, name));
                case NONE -> delete(ops, journalOps, keys.orphaned(runId, name));
                case RUNNING -> {
                    delete(ops, journalOps, keys.running(runId, name));
                    delete(ops, journalOps, keys.claim(runId, name));
                }
                default -> {}
            }
            switch (to) {
                case READY ->
                    put(
                            ops,
                            journalOps,
                            keys.ready(runId, name),
                            EtcdStorage.indexEntry(Event.ready(runId, before.spec()), hints ? record : null)
                                    .toByteArray(),
                            0);
                case NONE ->
                    put(
                            ops,
                            journalOps,
                            keys.orphaned(runId, name),
                            EtcdStorage.indexEntry(Event.orphaned(runId, before.spec()), hints ? record : null)
                                    .toByteArray(),
                            0);
                case RUNNING -> {
                    put(
                            ops,
                            journalOps,
                            keys.running(runId, name),
                            RunningEntry.newBuilder()
                                    .setFormat(FORMAT)
                                    .setClaimId(after.claim().id())
                                    .setLease(lease)
                                    .build()
                                    .toByteArray(),
                            0);
                    put(
                            ops,
                            journalOps,
                            keys.claim(runId, name),
                            after.claim().id().getBytes(StandardCharsets.UTF_8),
                            lease);
                }
                default -> {}
            }
        }
        return new Plan(cmps, ops, elseOps, delta, journalOps);
    }

    /** Adds a put to {@code ops}, and to {@code journal} unless it is null. */
    private static void put(List<Op> ops, List<WriteOp> journal, String key, byte[] value, long lease) {
        ops.add(Op.put(
                bytes(key),
                ByteSequence.from(value),
                lease == 0
                        ? PutOption.DEFAULT
                        : PutOption.builder().withLeaseId(lease).build()));
        if (journal != null) {
            journal.add(WriteOp.newBuilder()
                    .setKey(com.google.protobuf.ByteString.copyFromUtf8(key))
                    .setValue(com.google.protobuf.ByteString.copyFrom(value))
                    .setLease(lease)
                    .build());
        }
    }

    private static void delete(List<Op> ops, List<WriteOp> journal, String key) {
        ops.add(Op.delete(bytes(key), DeleteOption.DEFAULT));
        if (journal != null) {
            journal.add(WriteOp.newBuilder()
                    .setKey(com.google.protobuf.ByteString.copyFromUtf8(key))
                    .setDelete(true)
                    .build());
        }
    }

    /** Reads the primary node with the run, journal and claim markers, in one request. */
    private Snapshot readPrimary(String runId, String nodeName) {
        var r = await(kv.txn()
                .Then(
                        Op.get(
                                bytes(keys.run(runId)),
                                GetOption.builder().withCountOnly(true).build()),
                        Op.get(
                                bytes(keys.journal(runId)),
                                GetOption.builder().withCountOnly(true).build()),
                        Op.get(
                                bytes(keys.claim(runId, nodeName)),
                                GetOption.builder().withCountOnly(true).build()),
                        Op.get(bytes(keys.node(runId, nodeName)), GetOption.DEFAULT))
                .commit());
        return snapshot(runId, nodeName, r.getGetResponses());
    }

    private Snapshot fromElse(String runId, String nodeName, TxnResponse response) {
        return snapshot(runId, nodeName, response.getGetResponses());
    }

    private Snapshot snapshot(String runId, String nodeName, List<GetResponse> gets) {
        var nodeKvs = gets.get(3).getKvs();
        StoredNode node = nodeKvs.isEmpty() ? null : stored(runId, nodeName, nodeKvs.getFirst());
        // A node exists before its run record does (the record is written last): such a run is
        // still starting (or its start was cut short), and its nodes cannot be claimed.
        boolean runRecord = gets.get(0).getCount() > 0;
        boolean runExists = runRecord || node != null;
        return new Snapshot(
                node,
                runExists,
                runRecord,
                gets.get(1).getCount() > 0,
                gets.get(2).getCount() > 0);
    }

    private StoredNode stored(String runId, String nodeName, KeyValue kv0) {
        return StoredNode.of(
                EtcdStorage.decode(kv0.getValue(), NodeRecord::parseFrom, keys.node(runId, nodeName)),
                kv0.getModRevision());
    }

    /** Reads several nodes of a run: one request per {@code maxTxnOps} nodes. */
    private Map<String, StoredNode> loadNodes(String runId, Collection<String> names) {
        var out = new HashMap<String, StoredNode>();
        var list = new ArrayList<>(names);
        int per = settings.maxTxnOps();
        // All parts requested at once: a wide fan-out's thousands of records in one round trip's time.
        var parts = new ArrayList<List<String>>();
        var reads = new ArrayList<CompletableFuture<List<GetResponse>>>();
        for (int i = 0; i < list.size(); i += per) {
            var part = list.subList(i, Math.min(list.size(), i + per));
            parts.add(part);
            if (part.size() == 1) {
                reads.add(kv.get(bytes(keys.node(runId, part.getFirst()))).thenApply(List::of));
            } else {
                reads.add(kv.txn()
                        .Then(part.stream()
                                .map(n -> Op.get(bytes(keys.node(runId, n)), GetOption.DEFAULT))
                                .toArray(Op[]::new))
                        .commit()
                        .thenApply(TxnResponse::getGetResponses));
            }
        }
        for (int p = 0; p < parts.size(); p++) {
            var part = parts.get(p);
            var gets = await(reads.get(p));
            for (int j = 0; j < part.size(); j++) {
                var kvs = gets.get(j).getKvs();
                out.put(part.get(j), kvs.isEmpty() ? null : stored(runId, part.get(j), kvs.getFirst()));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Big transitions: journal
    // ------------------------------------------------------------------------------------------

    /**
     * A transition with more reads or writes than one transaction may hold. The run is locked by
     * putting its journal key (with this instance's lease, so a crash here unlocks it); every other
     * transition of the run compares that key absent, so the run is frozen. The transition is then
     * computed on fresh reads and its writes recorded in the journal (now without a lease) together
     * with the stats: from that commit on the transition is decided, and anyone finds and applies the
     * journal in chunks.
     *
     * @return the outcome, or null when the lock could not be taken (the caller reads again)
     */
    private Outcome lockedTransition(Kind kind, String runId, String nodeName, Function<EtcdNodeTable, Step> protocol) {
        String writeId = newWriteId();
        long lease = leases.current();
        var journalKey = bytes(keys.journal(runId));
        var marker = Journal.newBuilder().setFormat(FORMAT).setWriteId(writeId).build();
        var lock = await(kv.txn()
                .If(new Cmp(journalKey, Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(
                        journalKey,
                        EtcdStorage.encode(marker),
                        PutOption.builder().withLeaseId(lease).build()))
                .commit());
        if (!lock.isSucceeded()) {
            return null;
        }
        long lockRevision = lock.getHeader().getRevision();
        boolean decided = false;
        try {
            var snap = readPrimary(runId, nodeName);
            if (snap.node() == null) {
                throw RepositoryException.NotFound.node(runId, nodeName);
            }
            var table = new EtcdNodeTable(runId, nodeName, snap.node(), Map.of(), this::loadNodes);
            table.prefetch(snap.node().downstream());
            var step = protocol.apply(table);
            if (kind == Kind.FINISH && !snap.claimKey()) {
                throw new RepositoryException.StaleClaim(runId, nodeName, "");
            }
            if (table.written().isEmpty()) {
                return new Outcome(step, 0, null);
            }
            // Without the records' copies in the index entries: applyJournal adds them chunk by chunk.
            var plan = plan(kind, runId, nodeName, table, writeId, kind == Kind.CLAIM ? lease : 0, true);
            var journal = marker.toBuilder().addAllOps(plan.journalOps()).build();
            if (journal.getSerializedSize() > MAX_TXN_BYTES) {
                throw new RepositoryException.LimitExceeded(
                        "a transition of node \"" + nodeName + "\" of run \"" + runId + "\" writes "
                                + journal.getSerializedSize() + " bytes, more than etcd accepts in one request");
            }
            var shard = shards.acquire();
            try {
                var cmps = new ArrayList<Cmp>();
                cmps.add(new Cmp(journalKey, Cmp.Op.EQUAL, CmpTarget.modRevision(lockRevision)));
                var ops = new ArrayList<Op>();
                ops.add(Op.put(journalKey, EtcdStorage.encode(journal), PutOption.DEFAULT));
                shard.stage(plan.delta(), cmps, ops);
                TxnResponse r;
                try {
                    r = await(kv.txn()
                            .If(cmps.toArray(Cmp[]::new))
                            .Then(ops.toArray(Op[]::new))
                            .commit());
                } catch (RepositoryException.Unavailable e) {
                    shard.markUnknown();
                    throw e;
                }
                if (!r.isSucceeded()) {
                    shard.markUnknown(); // the shard may be what changed (merged away meanwhile)
                    return null; // else our lease ended and the lock with it
                }
                shard.committed(r.getHeader().getRevision());
                decided = true;
            } finally {
                shards.release(shard);
            }
            applyJournal(runId);
            return new Outcome(step, 0, null, List.copyOf(table.delivered().keySet()));
        } finally {
            if (!decided) {
                // Unlock, unless the lock already passed (lease) or the journal is someone's.
                kv.txn()
                        .If(new Cmp(journalKey, Cmp.Op.EQUAL, CmpTarget.modRevision(lockRevision)))
                        .Then(Op.delete(journalKey, DeleteOption.DEFAULT))
                        .commit();
            }
        }
    }

    /** How long a transition that finds a run's journal lets its decider apply it before applying it itself. */
    private static final Duration JOURNAL_PATIENCE = Duration.ofSeconds(2);

    /**
     * Waits until the run's journal is applied by the instance that decided it (which applies it at
     * once, in a fraction of a second); applies it itself if it is still there after
     * {@link #JOURNAL_PATIENCE}, as when its decider died. Everyone applying at once would write every
     * chunk once per waiting transition (each of them idempotent, but each announcing its ready nodes
     * again).
     */
    private void awaitJournal(String runId) {
        var journalKey = bytes(keys.journal(runId));
        long giveUp = System.nanoTime() + JOURNAL_PATIENCE.toNanos();
        long pauseMs = 5;
        while (!closed) {
            if (await(kv.get(journalKey, GetOption.builder().withCountOnly(true).build()))
                            .getCount()
                    == 0) {
                return;
            }
            if (System.nanoTime() > giveUp) {
                applyJournal(runId);
                return;
            }
            pause(pauseMs);
            pauseMs = Math.min(50, pauseMs * 2);
        }
    }

    /**
     * Applies the run's journal, if any: all its chunks at once, each in a transaction guarded by the
     * journal's mod revision, then deletes the journal. While the journal exists the run is frozen
     * (every other transition compares it absent), so a chunk applied twice, by two appliers that
     * found the same journal, writes the same values again: harmless. A journal still being prepared
     * (no ops yet) is waited for; its lock dies with its writer's lease.
     */
    void applyJournal(String runId) {
        var journalKey = bytes(keys.journal(runId));
        // Written by releases that applied journals chunk by chunk in order; now only deleted.
        var appliedKey = bytes(keys.journalApplied(runId));
        int chunk = settings.maxTxnOps() - TXN_RESERVE;
        long deadline = System.nanoTime() + settings.leaseTtl().multipliedBy(3).toNanos();
        while (!closed) {
            var jk = await(kv.get(journalKey)).getKvs();
            if (jk.isEmpty()) {
                return;
            }
            var journal = EtcdStorage.decode(jk.getFirst().getValue(), Journal::parseFrom, keys.journal(runId));
            if (journal.getOpsCount() == 0) {
                if (System.nanoTime() > deadline) {
                    throw new RepositoryException.Contention(
                            "run " + runId + " is locked by a transition that does not finish");
                }
                pause(20);
                continue;
            }
            var thisJournal = new Cmp(
                    journalKey,
                    Cmp.Op.EQUAL,
                    CmpTarget.modRevision(jk.getFirst().getModRevision()));
            var commits = new ArrayList<CompletableFuture<TxnResponse>>();
            for (int from = 0; from < journal.getOpsCount(); from += chunk) {
                var ops = new ArrayList<Op>();
                for (var w :
                        withHints(journal.getOpsList().subList(from, Math.min(journal.getOpsCount(), from + chunk)))) {
                    var key = ByteSequence.from(w.getKey());
                    if (w.getDelete()) {
                        ops.add(Op.delete(key, DeleteOption.DEFAULT));
                    } else {
                        ops.add(Op.put(
                                key,
                                ByteSequence.from(w.getValue()),
                                w.getLease() == 0
                                        ? PutOption.DEFAULT
                                        : PutOption.builder()
                                                .withLeaseId(w.getLease())
                                                .build()));
                    }
                }
                commits.add(
                        kv.txn().If(thisJournal).Then(ops.toArray(Op[]::new)).commit());
            }
            boolean applied = true;
            for (var c : commits) {
                applied &= await(c).isSucceeded();
            }
            if (applied
                    && await(kv.txn()
                                    .If(thisJournal)
                                    .Then(
                                            Op.delete(journalKey, DeleteOption.DEFAULT),
                                            Op.delete(appliedKey, DeleteOption.DEFAULT))
                                    .commit())
                            .isSucceeded()) {
                return;
            }
            // Another applier finished it meanwhile (or it was replaced): look again.
        }
    }

    /**
     * A journal chunk with the records it writes copied into the index entries it writes beside them
     * (IndexEntry.record, as a single transaction's plan does): the journal itself stays without the
     * copies, which would double its size, and the chunk commits both in one revision.
     */
    private List<WriteOp> withHints(List<WriteOp> writes) {
        var records = new HashMap<String, com.google.protobuf.ByteString>();
        for (var w : writes) {
            var key = w.getKey().toStringUtf8();
            if (!w.getDelete() && key.startsWith(keys.root + "nodes/")) {
                records.put(key, w.getValue());
            }
        }
        if (records.isEmpty()) {
            return writes;
        }
        var out = new ArrayList<WriteOp>(writes.size());
        for (var w : writes) {
            var key = w.getKey().toStringUtf8();
            String prefix = key.startsWith(keys.ready())
                    ? keys.ready()
                    : key.startsWith(keys.orphaned()) ? keys.orphaned() : null;
            if (prefix != null && !w.getDelete()) {
                var ref = Keys.runAndNode(prefix, key);
                var record = records.get(keys.node(ref[0], ref[1]));
                if (record != null && record.size() <= EtcdStorage.MAX_HINT_BYTES) {
                    try {
                        var entry = IndexEntry.parseFrom(w.getValue());
                        if (!entry.hasRecord()) {
                            w = w.toBuilder()
                                    .setValue(entry.toBuilder()
                                            .setRecord(NodeRecord.parseFrom(record))
                                            .build()
                                            .toByteString())
                                    .build();
                        }
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        // not ours to fix here: written as it is, read (and reported) by the watcher
                    }
                }
            }
            out.add(w);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Subscriptions and watches
    // ------------------------------------------------------------------------------------------

    @Override
    protected Subscription register(Agent agent, Set<Event.Type> wanted) {
        ensureOpen();
        long lease = leases.current();
        var record = AgentRecord.newBuilder()
                .setFormat(FORMAT)
                .setAgent(WireMapping.toProto(agent))
                .build();
        await(kv.put(
                bytes(keys.agent(agent.id())),
                EtcdStorage.encode(record),
                PutOption.builder().withLeaseId(lease).build()));
        var handle = new SubscriptionHandle(agent, lease);
        handle.subscription = new Subscription(agent, () -> unsubscribe(handle));
        subscriptions.add(handle);
        ensureOrphanWatch();
        if (wanted.contains(Event.Type.NODE_READY)) {
            handle.watches.add(new IndexWatch(keys.ready(), handle.subscription));
        }
        if (wanted.contains(Event.Type.NODE_ORPHANED)) {
            handle.watches.add(new IndexWatch(keys.orphaned(), handle.subscription));
        }
        for (var w : handle.watches) {
            w.start();
        }
        LOG.debug("agent {} subscribed to {} with runtimes {}", agent.id(), wanted, agent.runtimes());
        return handle.subscription;
    }

    private void unsubscribe(SubscriptionHandle handle) {
        subscriptions.remove(handle);
        for (var w : handle.watches) {
            w.close();
        }
        boolean stillSubscribed =
                subscriptions.stream().anyMatch(h -> h.agent.id().equals(handle.agent.id()));
        if (!stillSubscribed && !closed && leases.alive(handle.lease)) {
            // Leave ListAgents now rather than when the lease ends.
            kv.delete(bytes(keys.agent(handle.agent.id())));
        }
    }

    private static final class SubscriptionHandle {
        final Agent agent;
        final long lease;
        final List<IndexWatch> watches = new CopyOnWriteArrayList<>();
        volatile Subscription subscription;

        SubscriptionHandle(Agent agent, long lease) {
            this.agent = agent;
            this.lease = lease;
        }
    }

    /**
     * Delivers an index (ready or orphaned nodes) to one subscription: everything in it now, then
     * every put from the next revision on. If the watch fails (compaction, a long outage) the index
     * is read again and watched anew: an event may be delivered twice, never lost.
     */
    private final class IndexWatch implements Watch.Listener {
        private final String prefix;
        private final Subscription subscription;
        private volatile Watch.Watcher watcher;
        private volatile boolean stopped;
        private final java.util.concurrent.atomic.AtomicBoolean restarting =
                new java.util.concurrent.atomic.AtomicBoolean();

        IndexWatch(String prefix, Subscription subscription) {
            this.prefix = prefix;
            this.subscription = subscription;
        }

        void start() {
            if (stopped || closed) {
                return;
            }
            restarting.set(false);
            long revision = 0;
            var from = prefix;
            String after = null;
            while (true) {
                var option = GetOption.builder().withLimit(PAGE);
                GetResponse page;
                if (after == null) {
                    page = await(kv.get(bytes(from), option.isPrefix(true).build()));
                    revision = page.getHeader().getRevision();
                } else {
                    page = await(kv.get(
                            bytes(after + "\u0000"),
                            option.withRange(bytes(prefix + "\uffff"))
                                    .withRevision(revision)
                                    .build()));
                }
                for (var kv0 : page.getKvs()) {
                    offer(kv0);
                }
                if (!page.isMore() || page.getKvs().isEmpty()) {
                    break;
                }
                after = text(page.getKvs().getLast().getKey());
            }
            watcher = client.getWatchClient()
                    .watch(
                            bytes(prefix),
                            WatchOption.builder()
                                    .isPrefix(true)
                                    .withNoDelete(true)
                                    .withRevision(revision + 1)
                                    .build(),
                            this);
        }

        private void offer(KeyValue kv0) {
            try {
                var key = text(kv0.getKey());
                var entry = EtcdStorage.decode(kv0.getValue(), IndexEntry::parseFrom, key);
                if (entry.hasRecord()) {
                    // Written in the same transaction as the record: the entry's mod revision is the
                    // record's while neither changed (else the claim's compare fails and it reads).
                    var ref = Keys.runAndNode(prefix, key);
                    hints.put(ref[0], ref[1], entry.getRecord(), kv0.getModRevision());
                }
                subscription.offer(EtcdStorage.event(entry));
            } catch (RuntimeException e) {
                LOG.warn("ignoring unreadable index entry {}: {}", text(kv0.getKey()), e.getMessage());
            }
        }

        @Override
        public void onNext(WatchResponse response) {
            for (var e : response.getEvents()) {
                if (e.getEventType() == WatchEvent.EventType.PUT) {
                    offer(e.getKeyValue());
                }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            restart("watch of " + prefix + " failed: " + throwable.getMessage());
        }

        @Override
        public void onCompleted() {
            restart("watch of " + prefix + " ended");
        }

        private void restart(String why) {
            // onError and onCompleted of one failed watch both land here: restart once.
            if (stopped || closed || !restarting.compareAndSet(false, true)) {
                return;
            }
            LOG.info("{}; reading the index again", why);
            var w = watcher;
            if (w != null) {
                w.close();
            }
            retryLater(this::start);
        }

        void close() {
            stopped = true;
            var w = watcher;
            if (w != null) {
                w.close();
            }
        }
    }

    /**
     * One watch per agent process on the instance keys: a claim key lives on its holder's lease, and
     * so does the holder's instance key (registered with every lease it is granted), so etcd deletes
     * them in one revision when the lease ends. A deleted instance key therefore means claims may
     * have gone: the running index is compared against the claim keys ({@link #recoverOrphans()},
     * keys only) and nodes whose claim is gone are orphaned. Watching the claim keys themselves
     * would send every agent process two events for every node any agent finishes. Started with the
     * first subscription, after a scan that recovers orphans nobody saw; a periodic scan
     * (every {@link EtcdSettings#housekeepingPeriod()}) backs it up.
     */
    private void ensureOrphanWatch() {
        synchronized (orphanWatchLock) {
            if (orphanWatcher != null || closed) {
                return;
            }
            startOrphanWatch();
        }
    }

    private void startOrphanWatch() {
        long revision = recoverOrphans();
        orphanWatcher = client.getWatchClient()
                .watch(
                        bytes(keys.instances()),
                        WatchOption.builder()
                                .isPrefix(true)
                                .withNoPut(true)
                                .withRevision(revision + 1)
                                .build(),
                        new Watch.Listener() {
                            @Override
                            public void onNext(WatchResponse response) {
                                if (response.getEvents().stream()
                                        .anyMatch(e -> e.getEventType() == WatchEvent.EventType.DELETE)) {
                                    scanForOrphansSoon();
                                }
                            }

                            @Override
                            public void onError(Throwable throwable) {
                                restartOrphanWatch("instance watch failed: " + throwable.getMessage());
                            }

                            @Override
                            public void onCompleted() {
                                restartOrphanWatch("instance watch ended");
                            }
                        });
    }

    /**
     * Runs {@link #recoverOrphans()} on a background thread; instances ending together (a machine
     * lost) make one scan, plus one more if another ends while it runs.
     */
    private void scanForOrphansSoon() {
        if (closed || !orphanScanPending.compareAndSet(false, true)) {
            return;
        }
        background.execute(() -> {
            orphanScanPending.set(false);
            try {
                recoverOrphans();
            } catch (RuntimeException e) {
                LOG.info("orphan scan after an instance ended failed ({}); retrying", e.getMessage());
                retryLater(this::recoverOrphans);
            }
        });
    }

    private void restartOrphanWatch(String why) {
        if (closed) {
            return;
        }
        LOG.info("{}; scanning for orphans and watching again", why);
        synchronized (orphanWatchLock) {
            var w = orphanWatcher;
            if (w != null) {
                w.close();
            }
            orphanWatcher = null;
        }
        retryLater(this::ensureOrphanWatch);
    }

    /** Runs {@code task} soon on a background thread, again and again with backoff until it succeeds. */
    private void retryLater(Runnable task) {
        retryLater(task, 100);
    }

    private void retryLater(Runnable task, long delayMs) {
        if (closed) {
            return;
        }
        timer.schedule(
                () -> background.execute(() -> {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.info("etcd not ready ({}); retrying", e.getMessage());
                        retryLater(task, Math.min(delayMs * 2, 5_000));
                    }
                }),
                delayMs,
                TimeUnit.MILLISECONDS);
    }

    private void onLeaseLost(long lease) {
        LOG.warn("etcd lease {} of this process was lost: its claims are given up and its subscriptions closed", lease);
        held.entrySet().removeIf(e -> e.getValue().lease() == lease);
        for (var h : List.copyOf(subscriptions)) {
            if (h.lease == lease) {
                h.subscription.close();
            }
        }
        for (var l : livenessListeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                LOG.warn("liveness listener failed", e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------

    /** Commits {@code ops} together with a stats shard update (start of a run). */
    private void commitWithShard(long[] delta, List<Cmp> cmps, List<Op> ops) {
        while (true) {
            var shard = shards.acquire();
            try {
                var c = new ArrayList<>(cmps);
                var o = new ArrayList<>(ops);
                shard.stage(delta, c, o);
                TxnResponse r;
                try {
                    r = await(kv.txn()
                            .If(c.toArray(Cmp[]::new))
                            .Then(o.toArray(Op[]::new))
                            .commit());
                } catch (RepositoryException.Unavailable e) {
                    shard.markUnknown();
                    throw e;
                }
                if (r.isSucceeded()) {
                    shard.committed(r.getHeader().getRevision());
                    return;
                }
                shard.markUnknown();
            } finally {
                shards.release(shard);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Counter shards of dead instances
    // ------------------------------------------------------------------------------------------

    /**
     * Registers this instance under a fresh lease (its instance key lives as long as the lease) and,
     * in the same request, looks for shards of instances that are gone; those are merged in the
     * background. Never throws: the registration only keeps live shards from being merged, and a
     * live shard merged anyway is still counted right (its owner's next write sees it changed).
     */
    private void registerInstance(long lease) {
        var record = InstanceRecord.newBuilder()
                .setFormat(FORMAT)
                .setStartedAtNs(Timestamps.toNanos(Instant.now()))
                .build();
        try {
            var r = await(kv.txn()
                    .Then(
                            Op.put(
                                    bytes(keys.instance(instanceId)),
                                    EtcdStorage.encode(record),
                                    PutOption.builder().withLeaseId(lease).build()),
                            Op.get(
                                    bytes(keys.stats()),
                                    GetOption.builder()
                                            .isPrefix(true)
                                            .withKeysOnly(true)
                                            .build()),
                            Op.get(
                                    bytes(keys.instances()),
                                    GetOption.builder()
                                            .isPrefix(true)
                                            .withKeysOnly(true)
                                            .build()))
                    .commit());
            var gets = r.getGetResponses();
            if (!deadShards(gets.get(0).getKvs(), gets.get(1).getKvs()).isEmpty()) {
                background.execute(this::mergeDeadShardsQuietly);
            }
        } catch (RuntimeException e) {
            LOG.debug("could not register instance {} under lease {}: {}", instanceId, lease, e.getMessage());
        }
    }

    /** The shard keys among {@code shards} whose owning instance has no live instance key. */
    private List<KeyValue> deadShards(List<KeyValue> shardKvs, List<KeyValue> instanceKvs) {
        var live = new HashSet<String>();
        for (var kv0 : instanceKvs) {
            live.add(text(kv0.getKey()).substring(keys.instances().length()));
        }
        live.add(instanceId); // never merge our own, even between a lost lease and the next
        var dead = new ArrayList<KeyValue>();
        for (var kv0 : shardKvs) {
            var owner = keys.shardOwner(text(kv0.getKey()));
            if (owner != null && !live.contains(owner)) {
                dead.add(kv0);
            }
        }
        return dead;
    }

    private void mergeDeadShardsQuietly() {
        try {
            mergeDeadShards();
        } catch (RuntimeException e) {
            LOG.debug("could not merge counter shards of dead instances: {}", e.getMessage());
        }
    }

    /**
     * Folds the counter shards of instances that are gone (their instance key went with their lease)
     * into the merged shard, so that the shards Stats reads do not pile up as agent processes come
     * and go. Each batch is one transaction guarded by the mod revision of every shard it reads, so
     * concurrent mergers (and a presumed-dead instance writing after all) never count anything twice.
     *
     * @return the number of shards merged
     */
    int mergeDeadShards() {
        ensureOpen();
        int merged = 0;
        int batch = settings.maxTxnOps() - TXN_RESERVE;
        while (true) {
            var r = await(kv.txn()
                    .Then(
                            Op.get(
                                    bytes(keys.stats()),
                                    GetOption.builder().isPrefix(true).build()),
                            Op.get(
                                    bytes(keys.instances()),
                                    GetOption.builder()
                                            .isPrefix(true)
                                            .withKeysOnly(true)
                                            .build()))
                    .commit());
            var shardKvs = r.getGetResponses().get(0).getKvs();
            var dead = deadShards(shardKvs, r.getGetResponses().get(1).getKvs());
            if (dead.isEmpty()) {
                break;
            }
            dead = dead.subList(0, Math.min(batch, dead.size()));
            var mergedKey = keys.statsMerged();
            var current = shardKvs.stream()
                    .filter(kv0 -> text(kv0.getKey()).equals(mergedKey))
                    .findFirst();
            var cmps = new ArrayList<Cmp>();
            var ops = new ArrayList<Op>();
            cmps.add(new Cmp(
                    bytes(mergedKey),
                    Cmp.Op.EQUAL,
                    CmpTarget.modRevision(current.map(KeyValue::getModRevision).orElse(0L))));
            var values = new ArrayList<CounterShard>();
            for (var kv0 : dead) {
                cmps.add(new Cmp(kv0.getKey(), Cmp.Op.EQUAL, CmpTarget.modRevision(kv0.getModRevision())));
                ops.add(Op.delete(kv0.getKey(), DeleteOption.DEFAULT));
                values.add(EtcdStorage.decode(kv0.getValue(), CounterShard::parseFrom, text(kv0.getKey())));
            }
            var into = current.map(kv0 -> EtcdStorage.decode(kv0.getValue(), CounterShard::parseFrom, mergedKey))
                    .orElse(CounterShard.getDefaultInstance());
            ops.add(Op.put(
                    bytes(mergedKey), EtcdStorage.encode(CounterShards.merged(into, values)), PutOption.DEFAULT));
            var done = await(kv.txn()
                    .If(cmps.toArray(Cmp[]::new))
                    .Then(ops.toArray(Op[]::new))
                    .commit());
            if (!done.isSucceeded()) {
                break; // someone else is merging (or a shard moved): the next round sees
            }
            merged += dead.size();
        }
        if (merged > 0) {
            LOG.info("merged {} stats counter shard(s) of etcd repository instances that are gone", merged);
        }
        return merged;
    }

    private CounterShards.Loaded loadShard(String key) {
        var r = await(kv.get(bytes(key)));
        if (r.getKvs().isEmpty()) {
            return new CounterShards.Loaded(CounterShard.getDefaultInstance(), 0);
        }
        var kv0 = r.getKvs().getFirst();
        return new CounterShards.Loaded(
                EtcdStorage.decode(kv0.getValue(), CounterShard::parseFrom, key), kv0.getModRevision());
    }

    /** The rest of a prefix range after its first page, at the same revision. */
    private List<KeyValue> rest(String prefix, GetResponse first, long revision) {
        var out = new ArrayList<KeyValue>();
        var page = first;
        while (page.isMore() && !page.getKvs().isEmpty()) {
            var after = text(page.getKvs().getLast().getKey()) + "\u0000";
            page = await(kv.get(
                    bytes(after),
                    GetOption.builder()
                            .withRange(bytes(prefix + "\uffff"))
                            .withRevision(revision)
                            .withLimit(PAGE)
                            .build()));
            out.addAll(page.getKvs());
        }
        return out;
    }

    private Run toRun(RunRecord record, List<KeyValue> kvs, List<KeyValue> inputKvs, List<String> stuck) {
        // Per-edge inputs by node: {@code <runInputs><node>/<upstream>}.
        var edgeInputs = new HashMap<String, List<KeyValue>>();
        String inputsRoot = keys.runInputs(record.getId());
        for (var kv0 : inputKvs) {
            var rest = text(kv0.getKey()).substring(inputsRoot.length());
            edgeInputs
                    .computeIfAbsent(rest.substring(0, rest.indexOf('/')), k -> new ArrayList<>())
                    .add(kv0);
        }
        var stored = new ArrayList<StoredNode>(kvs.size());
        for (var kv0 : kvs) {
            stored.add(StoredNode.of(
                    EtcdStorage.decode(kv0.getValue(), NodeRecord::parseFrom, text(kv0.getKey())),
                    kv0.getModRevision()));
        }
        stored.sort(Comparator.comparingInt(s -> s.record().getIndex()));
        var edges = new Edge[record.getEdgeCount()];
        var nodes = new ArrayList<Node>(stored.size());
        long completed = 0;
        boolean started = false;
        for (var s : stored) {
            var state = s.state();
            var delivered = edgeInputs.get(s.spec().name());
            if (delivered != null
                    && state.status() == NodeStatus.WAITING
                    && delivered.size() >= s.record().getUpstreamCount()) {
                stuck.add(s.spec().name());
            }
            if (delivered != null && state.inputs().isEmpty()) {
                // A wide fan-in node before it is READY (or left unreached): its record holds none yet.
                state = new NodeState(
                        state.status(),
                        state.attempts(),
                        state.startedAt(),
                        state.finishedAt(),
                        inputsOf(keys.inputs(record.getId(), s.spec().name()), delivered),
                        state.claim(),
                        state.waitingOn(),
                        state.orphanRecovery());
            }
            nodes.add(state.toNode(s.spec()));
            for (var d : s.record().getDownstreamList()) {
                if (d.getEdgeIndex() < edges.length) {
                    edges[d.getEdgeIndex()] = new Edge(s.spec().name(), d.getName());
                }
            }
            completed += s.state().status() == NodeStatus.COMPLETED ? 1 : 0;
            started |= s.state().startedAt() != null;
        }
        var edgeList = Arrays.stream(edges).filter(java.util.Objects::nonNull).toList();
        return new Run(
                record.getId(),
                Timestamps.fromNanos(record.getCreatedAtNs()),
                nodes,
                edgeList,
                Protocol.runStatus(nodes.size(), completed, started));
    }

    private static List<String> reverseTopologicalOrder(RunGraph graph) {
        var remaining = new HashMap<String, Integer>();
        var queue = new java.util.ArrayDeque<String>();
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
        long now = Timestamps.toNanos(Instant.now());
        return Timestamps.fromNanos(lastCreatedNs.accumulateAndGet(now, (last, c) -> Math.max(last + 1, c)));
    }

    /** Unique across instances (the instance id is random) without a random draw per write. */
    private String newWriteId() {
        return instanceId + "-" + writeCounter.incrementAndGet();
    }

    private void ensureOpen() {
        if (closed) {
            throw new RepositoryException.Unavailable("the etcd repository is closed");
        }
    }

    <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new RepositoryException.Unavailable("interrupted while waiting for etcd", e);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new RepositoryException.Unavailable(
                    "etcd at " + String.join(",", settings.addresses()) + " did not answer within "
                            + settings.requestTimeout(),
                    e);
        } catch (ExecutionException e) {
            throw EtcdErrors.classify(e.getCause() == null ? e : e.getCause(), settings);
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RepositoryException.Unavailable("interrupted", e);
        }
    }

    /**
     * Dies as a killed process would: stops heartbeats and disconnects without revoking the lease,
     * so its claims and agent keys stay until the lease expires. For tests of agent death.
     */
    void crashForTests() {
        closed = true;
        disconnect(leases::abandon);
    }

    /** Gives up claims and agent registrations (revoking the lease) and disconnects. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        for (var h : List.copyOf(subscriptions)) {
            h.subscription.close();
        }
        closed = true;
        disconnect(leases::close);
    }

    /**
     * Stops watching, ends the lease with {@code endLease} (after the watch is closed, so that this
     * instance does not react to its own lease's end), stops the background work and disconnects.
     */
    private void disconnect(Runnable endLease) {
        var w = orphanWatcher;
        if (w != null) {
            w.close();
        }
        endLease.run();
        timer.shutdownNow();
        background.shutdownNow();
        client.close();
    }

    /** Accumulates operations into transactions no bigger than etcd accepts. */
    private static final class TxnChunker {
        private final int maxOps;
        private final List<List<Op>> chunks = new ArrayList<>();
        private List<Op> current = new ArrayList<>();
        private long bytes;

        TxnChunker(int maxOps) {
            this.maxOps = maxOps;
        }

        void add(Op op, long size) {
            if (!current.isEmpty() && (current.size() >= maxOps || bytes + size > MAX_TXN_BYTES)) {
                chunks.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(op);
            bytes += size + 64;
        }

        List<List<Op>> chunks() {
            if (!current.isEmpty()) {
                chunks.add(current);
                current = new ArrayList<>();
            }
            return chunks;
        }
    }
}
