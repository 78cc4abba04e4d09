package io.adagio.core.protocol;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The mutable part of a node as a backend stores it: everything but the spec, plus the number of
 * upstream nodes that have not yet succeeded (so readiness is decided in O(1), not by reading every
 * upstream node). Immutable. Backends make one when a run starts ({@link #initial}) or when they
 * decode a stored record; every later state comes from {@link Protocol}.
 *
 * @param orphanRecovery  while RUNNING: the claim took over an orphaned node, so its holder records
 *                        the lost attempt instead of executing it (told again to a repeated claim)
 * @param conclusion      the node's conclusion once COMPLETED (see {@link Node#conclusion()})
 * @param notBefore       while READY: the next attempt is not claimable before this (a backoff)
 * @param cancelRequested while RUNNING: the run was cancelled; the finish completes the node
 * @param generation      how many attempts belong to earlier runs of the node (before the last
 *                        rerun): retry rules count only the attempts from this index on
 * @param lostClaim       while orphaned, and while a recovery claim holds the node: the claim that
 *                        was lost, whose agent the recorded attempt names
 */
public record NodeState(
        NodeStatus status,
        List<Result> attempts,
        Instant startedAt,
        Instant finishedAt,
        Map<String, byte[]> inputs,
        Claim claim,
        int waitingOn,
        boolean orphanRecovery,
        Conclusion conclusion,
        Instant notBefore,
        boolean cancelRequested,
        int generation,
        Claim lostClaim) {

    public NodeState {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
        // Not a copy per transition: a fan-in adds one input per upstream success (see InputMap).
        inputs = InputMap.copyOf(inputs);
        conclusion = conclusion == null ? Conclusion.NONE : conclusion;
    }

    /** The initial states of nodes with up to 63 upstream nodes, shared: see {@link #initial}. */
    private static final NodeState[] INITIAL = java.util.stream.IntStream.range(0, 64)
            .mapToObj(NodeState::newInitial)
            .toArray(NodeState[]::new);

    /**
     * The state of a node when its run starts: READY without upstream nodes, WAITING otherwise. One
     * instance per upstream count (states are immutable): a 10,000-node fan-out's start made 10,000
     * equal ones, and the root's finish then read each of them from a cold line of memory.
     */
    public static NodeState initial(int upstreamCount) {
        return upstreamCount >= 0 && upstreamCount < INITIAL.length
                ? INITIAL[upstreamCount]
                : newInitial(upstreamCount);
    }

    private static NodeState newInitial(int upstreamCount) {
        return new NodeState(
                upstreamCount == 0 ? NodeStatus.READY : NodeStatus.WAITING,
                List.of(),
                null,
                null,
                Map.of(),
                null,
                upstreamCount,
                false,
                Conclusion.NONE,
                null,
                false,
                0,
                null);
    }

    public Node toNode(NodeSpec spec) {
        return new Node(
                spec, status, attempts, startedAt, finishedAt, inputs, claim, conclusion, notBefore, cancelRequested);
    }

    /** The attempts of the current generation (since the last rerun): what retry rules count. */
    public List<Result> currentAttempts() {
        return generation == 0 ? attempts : attempts.subList(Math.min(generation, attempts.size()), attempts.size());
    }

    /** The agent of the attempt this node holds: the lost claim's for a recovery or an orphaned node. */
    String attemptAgent() {
        var c = orphanRecovery || claim == null ? lostClaim : claim;
        if (c == null) {
            c = claim;
        }
        return c == null ? "" : c.agentId();
    }

    NodeState claimedBy(Claim c, Instant now) {
        boolean recovery = status == NodeStatus.NONE;
        // A recovery records the lost attempt: it keeps that attempt's start.
        var started = recovery && startedAt != null ? startedAt : now;
        return new NodeState(
                NodeStatus.RUNNING,
                attempts,
                started,
                null,
                inputs,
                c,
                waitingOn,
                recovery,
                Conclusion.NONE,
                null,
                false,
                generation,
                recovery ? lostClaim : null);
    }

    /**
     * With one more attempt, recorded with its start, {@code finished} and its agent.
     *
     * @param keepClaim  the claim left on the node (the completing one), or null
     * @param finishedAt the node's finish time (null unless it completes)
     * @param notBefore  when the next attempt may be claimed (a READY node after a backoff), or null
     */
    NodeState withAttempt(
            Result r,
            Instant finished,
            NodeStatus s,
            Instant finishedAt,
            Claim keepClaim,
            Conclusion nodeConclusion,
            Instant notBefore) {
        var stamped = r.stamped(startedAt, finished, attemptAgent());
        List<Result> list;
        if (attempts.isEmpty()) {
            // Most nodes record one attempt: an immutable list of it at once, not a copy of a copy.
            list = List.of(stamped);
        } else {
            list = new ArrayList<>(attempts.size() + 1);
            list.addAll(attempts);
            list.add(stamped);
        }
        return new NodeState(
                s,
                list,
                startedAt,
                finishedAt,
                inputs,
                keepClaim,
                waitingOn,
                false,
                nodeConclusion,
                notBefore,
                false,
                generation,
                null);
    }

    /** With one more upstream's output; READY when it was the last one awaited. */
    NodeState withInput(String upstream, byte[] output) {
        // It will hold an input from each upstream node: the ones it has and the ones it waits on.
        var in = ((InputMap) inputs).with(upstream, output, inputs.size() + waitingOn);
        int left = waitingOn - 1;
        var s = left == 0 && status == NodeStatus.WAITING ? NodeStatus.READY : status;
        return new NodeState(
                s,
                attempts,
                startedAt,
                finishedAt,
                in,
                claim,
                left,
                orphanRecovery,
                conclusion,
                notBefore,
                cancelRequested,
                generation,
                lostClaim);
    }

    /** With every one of {@code delivered} added to its inputs: READY, waiting on nothing. */
    NodeState withInputs(Map<String, byte[]> delivered) {
        var in = (InputMap) inputs;
        for (var e : delivered.entrySet()) {
            in = in.with(e.getKey(), e.getValue());
        }
        return new NodeState(
                NodeStatus.READY,
                attempts,
                startedAt,
                finishedAt,
                in,
                claim,
                0,
                false,
                Conclusion.NONE,
                null,
                false,
                generation,
                null);
    }

    /** Without its claim, which its holder lost: NONE until someone claims it. */
    NodeState orphaned() {
        // A recovery claim that is lost in turn still stands for the first lost attempt.
        var lost = orphanRecovery && lostClaim != null ? lostClaim : claim;
        return new NodeState(
                NodeStatus.NONE,
                attempts,
                startedAt,
                null,
                inputs,
                null,
                waitingOn,
                false,
                Conclusion.NONE,
                null,
                false,
                generation,
                lost);
    }

    /** COMPLETED with no new attempt and the given conclusion, marked at {@code now}. */
    NodeState completedWithout(Conclusion nodeConclusion, Instant now) {
        return new NodeState(
                NodeStatus.COMPLETED,
                attempts,
                now,
                now,
                inputs,
                null,
                waitingOn,
                false,
                nodeConclusion,
                null,
                false,
                generation,
                null);
    }

    /** RUNNING still, told to stop: its run was cancelled. */
    NodeState askedToStop() {
        return new NodeState(
                status,
                attempts,
                startedAt,
                finishedAt,
                inputs,
                claim,
                waitingOn,
                orphanRecovery,
                conclusion,
                notBefore,
                true,
                generation,
                lostClaim);
    }

    /**
     * Back to the start of a new generation (a rerun): no claim, times or conclusion; earlier
     * attempts kept; READY with {@code inputs} when nothing upstream is missing, else WAITING on the
     * {@code missing} upstream nodes.
     */
    NodeState reset(Map<String, byte[]> upstreamOutputs, int missing) {
        return new NodeState(
                missing == 0 ? NodeStatus.READY : NodeStatus.WAITING,
                attempts,
                null,
                null,
                upstreamOutputs,
                null,
                missing,
                false,
                Conclusion.NONE,
                null,
                false,
                attempts.size(),
                null);
    }
}
