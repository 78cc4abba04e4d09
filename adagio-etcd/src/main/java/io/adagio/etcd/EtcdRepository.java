package io.adagio.etcd;

import io.adagio.core.graph.RunGraph;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunRef;
import io.adagio.core.model.Stats;
import io.adagio.core.protocol.Transition;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.Finished;
import io.adagio.core.repository.NextClaim;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.RunWatch;
import io.adagio.core.repository.Subscription;
import io.adagio.core.repository.ValidatingRepository;
import io.adagio.core.watch.RunFeeds;
import io.etcd.jetcd.Client;
import io.grpc.ClientInterceptor;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distributed repository on etcd v3: a facade over parts with one job each.
 *
 * <p>Every transition is {@link io.adagio.core.protocol.Protocol}'s, run by the
 * {@link TransitionRunner}: the few node records it touches are read, the protocol decides the
 * changes, the {@link TransitionPlanner} turns them into writes (node records, the ready, orphaned
 * and running indexes, the leased claim key, a stats counter shard), committed in one transaction
 * guarded by the mod revision of every record read; a transition too big for one transaction goes
 * through a journal ({@link Journals}). Wide fan-ins take their inputs under keys of their own and
 * are promoted by {@link FanIns}. Cancel and rerun read the whole run and go through the
 * {@link RunWideRunner}.
 *
 * <p>Liveness: one lease per instance ({@link Leases}), kept alive by heartbeats. Claim keys and
 * agent keys carry it; when it expires etcd deletes them and the {@link OrphanSweeper} of every agent
 * process orphans the nodes. Events come from watches of the ready and orphaned indexes
 * ({@link Subscriptions}); watchers of a run share one {@link RunWatcher} per process.
 *
 * <p>Thread-safe. Build one with {@link #connect(EtcdSettings, ClientInterceptor...)}.
 */
public final class EtcdRepository extends ValidatingRepository {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdRepository.class);

    private final EtcdCalls calls;
    private final Background background = new Background();
    private final Leases leases;
    /** The claims won through this instance (a seam for tests too: see below). */
    final HeldClaims held = new HeldClaims();

    private final ClaimHints hints = new ClaimHints(4096);
    private final RunWriter writer;
    private final RunReader reader;
    private final TransitionRunner transitions;
    private final RunWideRunner runWide;
    private final Subscriptions subscriptions;
    private final RunDeleter deleter;
    private final EtcdHousekeeping housekeeping;
    private final RunFeeds feeds;
    private final OutputReader outputs;
    private final InstantSource clock;
    // Package-private seams: tests in this package sweep, promote and merge now instead of waiting,
    // and forget a held claim as a failed hand-over would.
    final OrphanSweeper sweeper;
    final FanIns fanIns;
    final ShardMerger merger;

    private EtcdRepository(Client client, EtcdSettings settings, InstantSource clock) {
        super(settings.limits());
        this.clock = clock;
        this.calls = new EtcdCalls(client, settings);
        var keys = new Keys(settings.namespace());
        this.outputs = new OutputReader(calls, keys);
        var writeIds = new WriteIds();
        this.merger = new ShardMerger(calls, keys, writeIds.instanceId(), background);
        this.leases = new Leases(client, settings, background.timer(), this::onLeaseLost, merger::register);
        // A shard is written only by a registered instance (one whose instance key lives), so that
        // no one takes its shards for a dead instance's; an API process gets its lease this way.
        var shards = new CounterShards(keys, writeIds.instanceId(), calls::loadShard, () -> {
            if (leases.currentIfAny() == 0) {
                leases.current();
            }
        });
        var journals = new Journals(calls, keys, shards);
        this.transitions = new TransitionRunner(
                calls, keys, leases, shards, journals, new TransitionPlanner(keys), writeIds, held);
        this.writer = new RunWriter(calls, keys, shards, writeIds, clock);
        this.reader = new RunReader(calls, keys, outputs);
        this.deleter = new RunDeleter(calls, keys, shards, journals);
        this.housekeeping = new EtcdHousekeeping(calls, keys, leases, deleter, writeIds.instanceId());
        this.runWide =
                new RunWideRunner(calls, keys, leases, shards, journals, new TransitionPlanner(keys), writeIds, reader);
        this.fanIns = new FanIns(calls, keys, transitions, background);
        this.sweeper = new OrphanSweeper(
                calls,
                keys,
                journals,
                transitions,
                fanIns,
                background,
                clock,
                new StrandedClaims(leases::currentIfAny, held::nodes, clock));
        this.subscriptions = new Subscriptions(calls, keys, leases, hints, background);
        // One etcd watch per watched run in this process, however many watch it.
        this.feeds = new RunFeeds(
                (runId, feed) -> RunWatcher.open(calls, keys, reader, outputs, background, feed),
                Duration.ofSeconds(30));
        background.every(ShardMerger.PERIOD, merger::mergeQuietly);
        // Only an agent process sweeps (one with a subscription); it also sweeps when it subscribes.
        background.every(settings.housekeepingPeriod(), () -> {
            if (!subscriptions.isEmpty()) {
                sweeper.sweepQuietly();
            }
        });
    }

    /**
     * Connects to etcd. Nothing is read or written until the first call; a lease is granted on the
     * first claim or subscription.
     *
     * @param interceptors gRPC interceptors for every etcd request (metrics, request counting in tests)
     */
    public static EtcdRepository connect(EtcdSettings settings, ClientInterceptor... interceptors) {
        return connect(settings, InstantSource.system(), interceptors);
    }

    /**
     * Connects to etcd, reading every time this instance records (runs created, attempts claimed and
     * finished, backoffs, cancels) from {@code clock}.
     */
    public static EtcdRepository connect(
            EtcdSettings settings, InstantSource clock, ClientInterceptor... interceptors) {
        return new EtcdRepository(EtcdClientFactory.connect(settings, interceptors), settings, clock);
    }

    @Override
    protected Run start(RunGraph graph) {
        calls.ensureOpen();
        var run = writer.start(graph);
        LOG.debug(
                "started run {} with {} nodes and {} edges",
                run.id(),
                graph.nodes().size(),
                graph.edges().size());
        return run;
    }

    @Override
    protected Run inspect(String runId) {
        calls.ensureOpen();
        return reader.inspect(runId);
    }

    @Override
    public List<Run> listRuns(RunQuery query) {
        calls.ensureOpen();
        return reader.list(query);
    }

    /** Election, compaction, quota and unfinished deletes, for the process that keeps the installation healthy. */
    public EtcdHousekeeping housekeeping() {
        return housekeeping;
    }

    @Override
    protected void delete(String runId) {
        calls.ensureOpen();
        deleter.delete(runId);
        // Other API processes' feeds learn it from their etcd watches; this one's at once.
        feeds.fail(runId, RepositoryException.NotFound.run(runId));
    }

    @Override
    protected List<RunRef> oldest(RunRef after, int limit) {
        calls.ensureOpen();
        return reader.oldest(after, limit);
    }

    @Override
    public Stats stats() {
        calls.ensureOpen();
        return reader.stats();
    }

    @Override
    public List<Agent> listAgents() {
        calls.ensureOpen();
        return reader.agents();
    }

    /**
     * {@inheritDoc}
     *
     * <p>A node announced by an event is claimed in one request: the record that came with the
     * event is used, and the commit compares its revision.
     */
    @Override
    protected ClaimResult claim(String runId, String nodeName, Claim claim) {
        calls.ensureOpen();
        var hint = hints.take(runId, nodeName);
        var outcome = transitions.run(
                runId,
                new Transition.ClaimNode(nodeName, claim, clock.instant()),
                hint == null ? null : Snapshot.assumed(hint, false),
                Map.of());
        if (hint != null && !outcome.step().claimed() && outcome.step().node().notBefore() != null) {
            // Not due yet (a backoff): the claim when it is due can still start from the record.
            hints.put(runId, nodeName, hint.record(), hint.modRevision());
        }
        // The node with its inputs (and earlier outputs): those stored apart, the claim read already.
        var node = outputs.resolve(runId, outcome.node(), outcome.outputs());
        if (outcome.step().claimed()) {
            held.put(
                    runId,
                    nodeName,
                    claim.id(),
                    new HeldClaims.Held(outcome.lease(), outcome.committed(), outcome.downstream(), outcome.outputs()));
        }
        return new ClaimResult(node, outcome.step().claimed(), outcome.step().orphanRecovery());
    }

    @Override
    protected Finished finish(String runId, String nodeName, Result result, Claim claim, NextClaim next) {
        calls.ensureOpen();
        var mine = held.get(runId, nodeName, claim.id());
        if (mine != null && !leases.alive(mine.lease())) {
            // This process lost its lease: the claim may already be orphaned and re-claimed.
            held.remove(runId, nodeName, claim.id());
            throw new RepositoryException.StaleClaim(runId, nodeName, claim.id());
        }
        // The record as the claim committed it: if it changed since, the commit's compare fails and
        // the transition is decided again from what the failed transaction returns.
        var start = mine == null || mine.committed() == null ? null : Snapshot.assumed(mine.committed(), true);
        var outcome = transitions.run(
                runId,
                new Transition.FinishNode(nodeName, result, claim, clock.instant(), next),
                start,
                mine == null ? Map.of() : mine.downstream());
        held.remove(runId, nodeName, claim.id());
        fanIns.afterFinish(runId, outcome.complete(), outcome.unsettled());
        // Its outputs stored apart: the one just recorded is at hand, earlier ones and inputs the claim read.
        var known = outcome.outputs();
        if (mine != null && !mine.outputs().isEmpty()) {
            known = new HashMap<>(mine.outputs());
            known.putAll(outcome.outputs());
        }
        var finished = outputs.resolve(runId, outcome.node(), known);
        var claimedNext = outcome.step().next();
        if (claimedNext == null) {
            return new Finished(finished, null);
        }
        // Held like any claim won here: its finish starts from the record and downstream records at hand.
        var committed = outcome.next();
        held.put(
                runId,
                claimedNext.name(),
                next.claim().id(),
                new HeldClaims.Held(
                        outcome.lease(),
                        committed == null ? null : committed.committed(),
                        committed == null ? Map.of() : committed.downstream(),
                        outcome.outputs()));
        // Its inputs as the step handed them (the output just recorded as it is); any others stored
        // apart are read.
        return new Finished(finished, outputs.resolve(runId, claimedNext, outcome.outputs()));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Reads the run once; each running node gets a {@code cancels/} entry, which the agent
     * processes watch.
     */
    @Override
    protected Run cancel(String runId) {
        calls.ensureOpen();
        var run = runWide.run(runId, new Transition.CancelRun(clock.instant()));
        LOG.info("cancelled run {}", runId);
        return run;
    }

    @Override
    protected Run rerun(String runId) {
        calls.ensureOpen();
        var run = runWide.run(runId, new Transition.RerunRun(clock.instant()));
        LOG.info("rerunning run {} from its failures", runId);
        return run;
    }

    @Override
    protected Subscription register(Agent agent, Set<Event.Type> types) {
        calls.ensureOpen();
        // An agent process looks for what dead ones left behind, then watches for more.
        sweeper.ensureWatching();
        return subscriptions.subscribe(agent, types);
    }

    @Override
    protected RunWatch watch(String runId, long resumeAfter, Runnable onUpdate) {
        calls.ensureOpen();
        return feeds.watch(runId, resumeAfter, onUpdate);
    }

    private void onLeaseLost(long lease) {
        LOG.warn("etcd lease {} of this process was lost: its claims are given up and its subscriptions closed", lease);
        held.dropLease(lease);
        subscriptions.closeFor(lease);
    }

    /** Gives up claims and agent registrations (revoking the lease) and disconnects. */
    @Override
    public void close() {
        if (calls.closed()) {
            return;
        }
        subscriptions.closeAll();
        feeds.close();
        calls.markClosed();
        // The watch first, so that this instance does not react to its own lease's end.
        sweeper.close();
        leases.close();
        background.close();
        calls.client().close();
    }
}
