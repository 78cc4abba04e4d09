package io.adagio.core.model;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable snapshot of a node of a run.
 *
 * @param startedAt       when the current or last attempt was claimed; for a node completed without
 *                        running (unreached, or cancelled before it ran) the time it was marked so;
 *                        null before the first claim (and again after a rerun reset the node)
 * @param finishedAt      when the node completed; null until then
 * @param inputs          upstream node name to that node's output, filled as upstream nodes succeed
 * @param claim           the claim of the running attempt, or of the one that completed the node; null
 *                        while the node waits to be claimed
 * @param conclusion      NONE until the node is COMPLETED; then the last attempt's conclusion,
 *                        CANCELLED for a node cancelled before it ran, NONE for a node left unreached
 * @param notBefore       while READY after a failed attempt whose retry rule has a backoff: the next
 *                        attempt is not claimable before this instant; null otherwise
 * @param cancelRequested while RUNNING: its run was cancelled, and its agent has been told to stop it
 */
public record Node(
        NodeSpec spec,
        NodeStatus status,
        List<Result> attempts,
        Instant startedAt,
        Instant finishedAt,
        Map<String, byte[]> inputs,
        Claim claim,
        Conclusion conclusion,
        Instant notBefore,
        boolean cancelRequested) {

    public Node {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
        inputs = inputs instanceof SharedInputs shared ? shared : copyInputs(inputs);
        conclusion = conclusion == null ? Conclusion.NONE : conclusion;
    }

    /**
     * A node outside run control: its conclusion is its last attempt's once COMPLETED (NONE before),
     * without backoff or cancel.
     */
    public Node(
            NodeSpec spec,
            NodeStatus status,
            List<Result> attempts,
            Instant startedAt,
            Instant finishedAt,
            Map<String, byte[]> inputs,
            Claim claim) {
        this(
                spec,
                status,
                attempts,
                startedAt,
                finishedAt,
                inputs,
                claim,
                status == NodeStatus.COMPLETED && attempts != null && !attempts.isEmpty()
                        ? attempts.getLast().conclusion()
                        : Conclusion.NONE,
                null,
                false);
    }

    public String name() {
        return spec.name();
    }

    /** The conclusion of the last attempt, NONE when there is none. */
    public Conclusion lastConclusion() {
        return attempts.isEmpty() ? Conclusion.NONE : attempts.getLast().conclusion();
    }

    static Map<String, byte[]> copyInputs(Map<String, byte[]> inputs) {
        if (inputs == null || inputs.isEmpty()) {
            return Map.of();
        }
        var copy = new LinkedHashMap<String, byte[]>(inputs.size() * 2);
        inputs.forEach((k, v) -> copy.put(k, v.clone()));
        return Collections.unmodifiableMap(copy);
    }

    /** The inputs, read-only; each output read is a copy of the node's. */
    @Override
    public Map<String, byte[]> inputs() {
        return inputs.isEmpty() ? Map.of() : new CopiedOnRead(inputs);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Node n)) {
            return false;
        }
        if (!(spec.equals(n.spec)
                && status == n.status
                && attempts.equals(n.attempts)
                && Objects.equals(startedAt, n.startedAt)
                && Objects.equals(finishedAt, n.finishedAt)
                && Objects.equals(claim, n.claim)
                && conclusion == n.conclusion
                && Objects.equals(notBefore, n.notBefore)
                && cancelRequested == n.cancelRequested
                && inputs.keySet().equals(n.inputs.keySet()))) {
            return false;
        }
        return inputs.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), n.inputs.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                spec, status, attempts, startedAt, finishedAt, claim, conclusion, notBefore, inputs.keySet());
    }
}
