package io.adagio.etcd;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.protocol.NodeState;
import io.adagio.core.protocol.Protocol;
import io.adagio.core.protocol.Step;
import io.adagio.core.protocol.Transition;
import io.adagio.core.repository.RepositoryException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one protocol transition on etcd: read the primary node (or take the record at hand), let
 * {@link Protocol} decide, commit the planned writes in one transaction guarded by the revision of
 * every record used, and on conflict decide again from the fresh records the failed transaction
 * returned ({@link StepCommit} builds that transaction and reads its answer). A transition with
 * more writes than one transaction holds goes through a journal ({@link Journals}).
 */
final class TransitionRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TransitionRunner.class);

    private final EtcdCalls calls;
    private final Keys keys;
    private final Leases leases;
    private final CounterShards shards;
    private final Journals journals;
    private final TransitionPlanner planner;
    private final WriteIds writeIds;
    private final OutputReader outputs;
    private final NodeRecords records;
    private final GroupCommit groups;
    private final HeldClaims held;
    private final int maxTxnOps;

    TransitionRunner(
            EtcdCalls calls,
            Keys keys,
            Leases leases,
            CounterShards shards,
            Journals journals,
            TransitionPlanner planner,
            WriteIds writeIds,
            HeldClaims held) {
        this.calls = calls;
        this.held = held;
        this.keys = keys;
        this.leases = leases;
        this.shards = shards;
        this.journals = journals;
        this.planner = planner;
        this.writeIds = writeIds;
        this.outputs = new OutputReader(calls, keys);
        this.records = new NodeRecords(calls, keys);
        this.maxTxnOps = calls.settings().maxTxnOps();
        this.groups = new GroupCommit(calls::sendWithin, GroupCommit.IN_FLIGHT, maxTxnOps, Txn.MAX_BYTES);
    }

    /**
     * What a transition did.
     *
     * @param lease      the lease a claim hangs on (claims only)
     * @param committed  the primary's record as it is now, when known (a finish of a claim starts from it)
     * @param unsettled  wide fan-in nodes handed an input whose count the commit could not see (a
     *                   journal applied them, or the commit's answer was lost): to look at again
     * @param complete   wide fan-in nodes the commit found with every input: to promote
     * @param downstream the primary's downstream records as a claim read them (its finish starts from them)
     * @param node       the primary node afterwards, its outputs in stored form (references unresolved)
     * @param outputs    output values at hand: those the step stored apart, and those a claim read
     *                   (output key to value)
     * @param next       the node a finish claimed for its agent ({@link Step#next()}), as committed
     *                   and with its downstream records, or null (none, or not known)
     */
    record Outcome(
            Step step,
            long lease,
            StoredNode committed,
            List<String> unsettled,
            List<String> complete,
            Map<String, StoredNode> downstream,
            Node node,
            Map<String, byte[]> outputs,
            NextClaimed next) {
        static Outcome unchanged(Step step, long lease, StoredNode primary) {
            return new Outcome(step, lease, primary, List.of(), List.of(), Map.of(), step.node(), Map.of(), null);
        }
    }

    /** A commit whose answer was lost: what it decided, should it turn out to have applied. */
    private record Lost(Step step, TransitionPlanner.Plan plan, long lease) {
        /**
         * What the transition did, from the primary's record as read since. A node the step claimed
         * for the agent ({@link Step#next()}) is in it, committed with the rest: the agent must run
         * it, or it would stay RUNNING under a live lease with nobody working on it.
         */
        Outcome outcome(StoredNode now) {
            return new Outcome(
                    step,
                    lease,
                    now,
                    plan.tallied(),
                    List.of(),
                    Map.of(),
                    now.state().toNode(now.spec()),
                    plan.outputs(),
                    null);
        }
    }

    /** The record of a node a finish claimed, as committed, and its downstream records as read with it. */
    record NextClaimed(StoredNode committed, Map<String, StoredNode> downstream) {}

    /** The primary node as the plan writes it (outputs in stored form), or as the step left it. */
    static Node stored(Step step, TransitionPlanner.Plan plan, StoredNode before) {
        return plan.primaryState() == null ? step.node() : plan.primaryState().toNode(before.spec());
    }

    /** The primary node with the run, journal and claim markers, in one request. */
    Snapshot read(String runId, String node) {
        var txn = new Txn.Builder();
        for (var op : Snapshot.reads(keys, runId, node)) {
            txn.then(op);
        }
        return Snapshot.of(calls.commit(txn.build()).getGetResponses(), 0);
    }

    /**
     * Runs {@code transition} on the run.
     *
     * @param start  the primary as already known (a claim hint, the record a claim committed), or
     *               null to read it first
     * @param atHand other records already read, used (and compared) only if the protocol needs them
     */
    Outcome run(String runId, Transition.OfNode transition, Snapshot start, Map<String, StoredNode> atHand) {
        var node = transition.node();
        var snap = start != null ? start : read(runId, node);
        var known = new HashMap<>(atHand);
        long deadline = System.nanoTime()
                + calls.settings().requestTimeout().multipliedBy(3).toNanos();
        boolean oversize = false;
        // Commits whose answers were lost, by write id: each may apply at any time, even after a read
        // that did not find it (a request queued at a paused member), so every record read is checked.
        Map<String, Lost> lost = Map.of();
        for (int attempt = 0; ; attempt++) {
            calls.ensureOpen();
            var applied = lost.isEmpty() || snap.node() == null
                    ? null
                    : lost.get(snap.node().record().getLastWrite());
            if (applied != null) {
                return applied.outcome(snap.node());
            }
            if (attempt > 0 && System.nanoTime() > deadline) {
                throw new RepositoryException.Contention("etcd: gave up on " + describe(transition) + " of node \""
                        + node + "\" of run \"" + runId + "\" after " + attempt + " conflicting attempts");
            }
            if (snap.journal()) {
                journals.await(runId);
                snap = read(runId, node);
                continue;
            }
            if (snap.node() == null) {
                throw snap.runExists()
                        ? RepositoryException.NotFound.node(runId, node)
                        : RepositoryException.NotFound.run(runId);
            }
            var early = liveness(runId, transition, snap);
            if (early != null) {
                return Outcome.unchanged(early, 0, snap.node());
            }
            if (transition instanceof Transition.FinishNode f
                    && !oversize
                    && f.result().output().length > OversizeResult.MAX_OUTPUT_BYTES) {
                // etcd would refuse it now and on every retry: record an ERROR attempt that says why.
                LOG.warn(
                        "the output of node {} of run {} is too big to record ({} bytes); recording an ERROR",
                        node,
                        runId,
                        f.result().output().length);
                transition = OversizeResult.asError(f);
                oversize = true;
            }
            long lease = claims(transition) ? leases.current() : 0;
            var view = new EtcdRunView(runId, snap.node(), known, records, attemptLimit());
            if (transition instanceof Transition.FinishNode f && touchesDownstream(snap.node(), f.result())) {
                var downstream = snap.node().downstream();
                // Each downstream node may take two writes (its record and its ready entry).
                if (2 * downstream.size() + Txn.RESERVE + 4 > maxTxnOps) {
                    var locked = locked(runId, transition);
                    if (locked != null) {
                        return locked;
                    }
                    snap = read(runId, node);
                    continue;
                }
                view.prefetch(downstream);
            }
            Step step;
            try {
                step = Protocol.apply(view, transition);
            } catch (RepositoryException refused) {
                if (!snap.assumed()) {
                    throw refused;
                }
                // Refused on a record at hand, which may be out of date (the run was cancelled since
                // the claim, say): decide again on the stored one.
                snap = read(runId, node);
                known.clear();
                continue;
            }
            if (step.changes().isEmpty()) {
                return Outcome.unchanged(step, lease, snap.node());
            }
            String writeId = writeIds.next();
            var plan = planner.plan(runId, transition, step.changes(), view.used(), writeId, lease, true);
            long biggest = OversizeResult.biggest(plan.writes());
            if (transition instanceof Transition.FinishNode f
                    && !oversize
                    && biggest > OversizeResult.MAX_WRITE_BYTES) {
                // A record grown too big (an attempt's metadata, say): etcd would refuse it on every
                // retry, so record an ERROR attempt that says why.
                LOG.warn(
                        "the result of node {} of run {} makes a record of {} bytes; recording an ERROR",
                        node,
                        runId,
                        biggest);
                transition = OversizeResult.asError(f, biggest);
                oversize = true;
                known.clear();
                continue;
            }
            // Many writes, or big ones (an output stored apart beside many records): through the
            // journal, whose chunks each fit one request.
            if (plan.guards().size() + 1 > maxTxnOps
                    || plan.thenSize() + Txn.RESERVE > maxTxnOps
                    || OversizeResult.bytes(plan.writes()) > OversizeResult.MAX_WRITE_BYTES) {
                var locked = locked(runId, transition);
                if (locked != null) {
                    return locked;
                }
                snap = read(runId, node);
                continue;
            }
            var commit = StepCommit.of(keys, outputs, maxTxnOps, runId, transition, step, plan, view, snap.node());
            var shard = shards.acquire();
            GroupCommit.Answer response;
            try {
                shard.stage(plan.delta(), commit.txn());
                try {
                    response = calls.await(groups.submit(commit.txn().build()));
                } catch (RepositoryException.Unavailable e) {
                    shard.markUnknown();
                    if (EtcdErrors.leaseGone(e) && lease != 0) {
                        leases.lost(lease);
                        snap = read(runId, node);
                        continue;
                    }
                    // The commit may or may not have applied: look for our write id, now and on
                    // every later read (at the loop's top).
                    if (lost.isEmpty()) {
                        lost = new HashMap<>();
                    }
                    lost.put(writeId, new Lost(step, plan, lease));
                    if (step.next() != null && transition instanceof Transition.FinishNode f && f.next() != null) {
                        // Should this end in an error, the agent looks for the node it may hold now
                        // (ResultRecorder) and runs it: held here until then, not a stranded claim.
                        held.put(
                                runId,
                                step.next().name(),
                                f.next().claim().id(),
                                new HeldClaims.Held(lease, null, Map.of(), Map.of()));
                    }
                    var now = read(runId, node);
                    boolean found = now.node() != null
                            && lost.containsKey(now.node().record().getLastWrite());
                    if (!found && System.nanoTime() > deadline) {
                        throw e;
                    }
                    snap = now;
                    continue;
                }
                if (response.succeeded()) {
                    shard.committed(response.revision());
                } else {
                    shard.failed(response.reads());
                }
            } finally {
                shards.release(shard);
            }
            if (response.succeeded()) {
                return commit.committed(step, lease, plan, view, snap.node(), response);
            }
            LOG.debug("{} of node {} of run {} conflicted; deciding it again", describe(transition), node, runId);
            snap = commit.conflicted(response, known);
        }
    }

    /**
     * What the stored markers decide before the protocol is asked: a claim of a run whose start is
     * not complete, a claim or finish by a claim whose key is gone (its lease ended: it holds
     * nothing any more), an orphaning of a node whose claim lives. Null when the protocol decides.
     */
    private static Step liveness(String runId, Transition.OfNode transition, Snapshot snap) {
        var node = snap.node();
        var state = node.state();
        boolean heldBy = switch (transition) {
            case Transition.ClaimNode t -> holds(state, t.claim().id());
            case Transition.FinishNode t -> holds(state, t.claim().id());
            default -> false;
        };
        return switch (transition) {
            case Transition.ClaimNode t -> {
                if (!snap.runRecord()) {
                    // The run is still starting, or its start was cut short: its nodes are not
                    // claimable until its record is committed (the commit compares that too).
                    throw new RepositoryException.NotReady(runId, t.node());
                }
                yield heldBy && !snap.claimKey() ? unchanged(node) : null;
            }
            case Transition.FinishNode t -> {
                if (heldBy && !snap.claimKey()) {
                    throw new RepositoryException.StaleClaim(
                            runId, t.node(), t.claim().id());
                }
                yield null;
            }
            case Transition.OrphanNode t ->
                snap.claimKey() || state.status() != NodeStatus.RUNNING ? unchanged(node) : null;
            case Transition.PromoteNode t -> null;
        };
    }

    /** Whether the transition may claim a node: its claim key then hangs on this instance's lease. */
    private static boolean claims(Transition.OfNode transition) {
        return transition instanceof Transition.ClaimNode
                || transition instanceof Transition.FinishNode f && f.next() != null;
    }

    private static boolean holds(NodeState state, String claimId) {
        return state.status() == NodeStatus.RUNNING
                && state.claim() != null
                && state.claim().id().equals(claimId);
    }

    private static Step unchanged(StoredNode node) {
        return new Step(node.state().toNode(node.spec()), false, false, List.of(), List.of());
    }

    /**
     * A transition with more reads or writes than one transaction may hold, decided under the run's
     * journal lock on fresh reads.
     *
     * @return the outcome, or null when the lock could not be taken or was lost (the caller reads again)
     */
    private Outcome locked(String runId, Transition.OfNode transition) {
        // A finish this big claims nothing besides: its downstream nodes are announced as usual.
        if (transition instanceof Transition.FinishNode f) {
            transition = f.plain();
        }
        String writeId = writeIds.next();
        long lease = leases.current();
        long lock = journals.lock(runId, writeId, lease);
        if (lock == 0) {
            return null;
        }
        boolean decided = false;
        try {
            var snap = read(runId, transition.node());
            if (snap.node() == null) {
                throw RepositoryException.NotFound.node(runId, transition.node());
            }
            var early = liveness(runId, transition, snap);
            if (early != null) {
                return Outcome.unchanged(early, 0, snap.node());
            }
            long claimLease = transition instanceof Transition.ClaimNode ? lease : 0;
            var view = new EtcdRunView(runId, snap.node(), Map.of(), records, attemptLimit());
            view.prefetch(snap.node().downstream());
            var step = Protocol.apply(view, transition);
            if (step.changes().isEmpty()) {
                return Outcome.unchanged(step, claimLease, snap.node());
            }
            // Without the records' copies in the index entries: the journal's appliers add them.
            var plan = planner.plan(runId, transition, step.changes(), view.used(), writeId, claimLease, false);
            decided = journals.decide(
                    runId, lock, writeId, planner.conditions(runId, transition), plan.writes(), plan.delta());
            if (!decided) {
                return null;
            }
            journals.apply(runId);
            return new Outcome(
                    step,
                    claimLease,
                    null,
                    plan.tallied(),
                    List.of(),
                    Map.of(),
                    stored(step, plan, snap.node()),
                    plan.outputs(),
                    null);
        } finally {
            if (!decided) {
                journals.unlock(runId, lock);
            }
        }
    }

    /**
     * Whether a finish with this result will touch the downstream nodes (success or final failure;
     * never for a node whose run was cancelled, whose downstream nodes are cancelled already).
     */
    private boolean touchesDownstream(StoredNode node, Result result) {
        if (node.state().cancelRequested()) {
            return false;
        }
        return result.conclusion() == Conclusion.SUCCESS
                || !Protocol.mayRetry(node.spec(), node.state(), result.conclusion(), attemptLimit());
    }

    private int attemptLimit() {
        return calls.settings().limits().maxAttempts();
    }

    private static String describe(Transition.OfNode transition) {
        return switch (transition) {
            case Transition.ClaimNode t -> "claim";
            case Transition.FinishNode t -> "finish";
            case Transition.OrphanNode t -> "orphaning";
            case Transition.PromoteNode t -> "promotion";
        };
    }
}
