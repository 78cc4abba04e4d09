package io.adagio.core.protocol;

import io.adagio.core.model.Claim;
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
 * upstream node). Immutable; transitions return new values.
 *
 * @param orphanRecovery while RUNNING: the claim took over an orphaned node, so its holder records
 *                       the lost attempt instead of executing it (told again to a repeated claim)
 */
public record NodeState(
        NodeStatus status,
        List<Result> attempts,
        Instant startedAt,
        Instant finishedAt,
        Map<String, byte[]> inputs,
        Claim claim,
        int waitingOn,
        boolean orphanRecovery) {

    public NodeState {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
        // Not a copy per transition: a fan-in adds one input per upstream success (see InputMap).
        inputs = InputMap.copyOf(inputs);
    }

    /** The state of a node when its run starts: READY without upstream nodes, WAITING otherwise. */
    public static NodeState initial(int upstreamCount) {
        return new NodeState(
                upstreamCount == 0 ? NodeStatus.READY : NodeStatus.WAITING,
                List.of(),
                null,
                null,
                Map.of(),
                null,
                upstreamCount,
                false);
    }

    public Node toNode(NodeSpec spec) {
        return new Node(spec, status, attempts, startedAt, finishedAt, inputs, claim);
    }

    NodeState withStatus(NodeStatus s) {
        return new NodeState(s, attempts, startedAt, finishedAt, inputs, claim, waitingOn, orphanRecovery);
    }

    NodeState claimedBy(Claim c, Instant now) {
        return new NodeState(NodeStatus.RUNNING, attempts, now, null, inputs, c, waitingOn, status == NodeStatus.NONE);
    }

    NodeState withAttempt(Result r, NodeStatus s, Instant finished, Claim keepClaim) {
        var list = new ArrayList<Result>(attempts.size() + 1);
        list.addAll(attempts);
        list.add(r);
        return new NodeState(s, list, startedAt, finished, inputs, keepClaim, waitingOn, false);
    }

    NodeState withInput(String upstream, byte[] output) {
        var in = ((InputMap) inputs).with(upstream, output);
        int left = waitingOn - 1;
        var s = left == 0 && status == NodeStatus.WAITING ? NodeStatus.READY : status;
        return new NodeState(s, attempts, startedAt, finishedAt, in, claim, left, orphanRecovery);
    }
}
