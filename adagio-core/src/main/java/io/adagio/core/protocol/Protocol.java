package io.adagio.core.protocol;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RetryCondition;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RepositoryException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * The run protocol of DESIGN §3, written once for every backend: claims, finishes (readiness, input
 * passing, retries, unreached propagation), orphaning and run status. Backends supply atomicity
 * and storage through {@link NodeTable}; nothing here knows how state is kept.
 */
public final class Protocol {
    /** The output recorded for an orphaned attempt. */
    public static final String ORPHANED_OUTPUT = "node was orphaned";

    private Protocol() {}

    /**
     * Claims a node. READY and orphaned nodes move to RUNNING under {@code claim}; WAITING nodes are
     * an error; COMPLETED nodes, and RUNNING nodes held by another claim, are not claimable (no
     * error). A node RUNNING under this very claim id is claimed again without any change, so that an
     * agent whose claim's answer was lost can ask again and learn that it holds the node.
     */
    public static Step claim(NodeTable table, String nodeName, Claim claim, Instant now) {
        var spec = requireSpec(table, nodeName);
        // A claim without an id could never be finished: the node would be stuck RUNNING.
        if (claim == null || claim.id() == null || claim.id().isEmpty()) {
            throw new RepositoryException.InvalidRequest("a claim needs a non-empty id");
        }
        var state = table.get(nodeName);
        return switch (state.status()) {
            case WAITING -> throw new RepositoryException.NotReady(table.runId(), nodeName);
            case READY, NONE -> {
                var next = state.claimedBy(claim, now);
                table.put(nodeName, next);
                yield new Step(next.toNode(spec), true, state.status() == NodeStatus.NONE, List.of());
            }
            case RUNNING -> {
                boolean same = state.claim() != null && state.claim().id().equals(claim.id());
                yield new Step(state.toNode(spec), same, same && state.orphanRecovery(), List.of());
            }
            case COMPLETED -> new Step(state.toNode(spec), false, false, List.of());
        };
    }

    /**
     * Records the result of the attempt held by {@code claim} and moves the run on.
     *
     * @throws RepositoryException.StaleClaim     when {@code claim} does not hold the node
     * @throws RepositoryException.InvalidRequest when the result has no conclusion
     */
    public static Step finish(NodeTable table, String nodeName, Result result, Claim claim, Instant now) {
        var spec = requireSpec(table, nodeName);
        if (result == null || result.conclusion() == Conclusion.NONE) {
            throw new RepositoryException.InvalidRequest("a result must conclude SUCCESS, FAIL or ERROR");
        }
        var state = table.get(nodeName);
        if (state.status() != NodeStatus.RUNNING
                || state.claim() == null
                || claim == null
                || !Objects.equals(state.claim().id(), claim.id())) {
            throw new RepositoryException.StaleClaim(table.runId(), nodeName, claim == null ? "" : claim.id());
        }
        var events = new ArrayList<Event>();
        NodeState next;
        if (result.conclusion() == Conclusion.SUCCESS) {
            next = state.withAttempt(result, NodeStatus.COMPLETED, now, state.claim());
            table.put(nodeName, next);
            byte[] output = result.output();
            for (var down : table.downstream(nodeName)) {
                var before = table.get(down);
                // A downstream node already completed was left unreached by another upstream's
                // failure: it stays as it is, with no inputs.
                if (before.status() != NodeStatus.WAITING) {
                    continue;
                }
                var after = before.withInput(nodeName, output);
                table.put(down, after);
                if (after.status() == NodeStatus.READY) {
                    events.add(Event.ready(table.runId(), table.spec(down)));
                }
            }
        } else if (allowsAnotherAttempt(spec, state, result.conclusion())) {
            next = state.withAttempt(result, NodeStatus.READY, null, null);
            table.put(nodeName, next);
            events.add(Event.ready(table.runId(), spec));
        } else {
            next = state.withAttempt(result, NodeStatus.COMPLETED, now, state.claim());
            table.put(nodeName, next);
            markUnreached(table, nodeName, now);
        }
        return new Step(next.toNode(spec), false, false, events);
    }

    /**
     * Drops the claim on a RUNNING node whose holder lost its liveness: the node reads NONE and
     * NODE_ORPHANED is emitted. Any other node is left as it is.
     */
    public static Step orphan(NodeTable table, String nodeName) {
        var spec = requireSpec(table, nodeName);
        var state = table.get(nodeName);
        if (state.status() != NodeStatus.RUNNING) {
            return new Step(state.toNode(spec), false, false, List.of());
        }
        var next = new NodeState(
                NodeStatus.NONE,
                state.attempts(),
                state.startedAt(),
                null,
                state.inputs(),
                null,
                state.waitingOn(),
                false);
        table.put(nodeName, next);
        return new Step(next.toNode(spec), false, false, List.of(Event.orphaned(table.runId(), spec)));
    }

    /** Whether a node whose attempt just ended in {@code conclusion} may be attempted again. */
    public static boolean allowsAnotherAttempt(NodeSpec spec, NodeState state, Conclusion conclusion) {
        var condition = RetryCondition.of(conclusion).orElseThrow();
        int allowed = spec.retryRule(condition).map(RetryRule::maxAttempts).orElse(1);
        long used = 1
                + state.attempts().stream()
                        .filter(r -> r.conclusion() == conclusion)
                        .count();
        return used < allowed;
    }

    /** Every node reachable from a failed node completes with no attempts. */
    private static void markUnreached(NodeTable table, String failed, Instant now) {
        var seen = new HashSet<String>();
        var queue = new ArrayDeque<>(table.downstream(failed));
        while (!queue.isEmpty()) {
            var name = queue.poll();
            if (!seen.add(name)) {
                continue;
            }
            var s = table.get(name);
            // Only WAITING nodes can be downstream of a node that has not succeeded. One already
            // COMPLETED was left unreached by an earlier failure, and so was everything below it:
            // stopping there keeps the cost to the nodes that actually change.
            if (s.status() != NodeStatus.WAITING) {
                continue;
            }
            table.put(
                    name,
                    new NodeState(NodeStatus.COMPLETED, List.of(), null, now, s.inputs(), null, s.waitingOn(), false));
            queue.addAll(table.downstream(name));
        }
    }

    /** A run's status from its node counts. */
    public static RunStatus runStatus(long nodes, long completed, boolean anyStarted) {
        if (completed == nodes) {
            return RunStatus.COMPLETED;
        }
        return anyStarted ? RunStatus.RUNNING : RunStatus.WAITING;
    }

    private static NodeSpec requireSpec(NodeTable table, String nodeName) {
        var spec = table.spec(nodeName);
        if (spec == null) {
            throw RepositoryException.NotFound.node(table.runId(), nodeName);
        }
        return spec;
    }
}
