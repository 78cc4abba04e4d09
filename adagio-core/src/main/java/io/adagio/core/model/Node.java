package io.adagio.core.model;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of a node of a run.
 *
 * @param startedAt  when the current or last attempt was claimed; null before the first claim
 * @param finishedAt when the node completed; null until then
 * @param inputs     upstream node name to that node's output, filled as upstream nodes succeed
 * @param claim      the claim of the running attempt, or of the one that completed the node; null
 *                   while the node waits to be claimed
 */
public record Node(
        NodeSpec spec,
        NodeStatus status,
        List<Result> attempts,
        Instant startedAt,
        Instant finishedAt,
        Map<String, byte[]> inputs,
        Claim claim) {

    public Node {
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
        inputs = copyInputs(inputs);
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

    @Override
    public Map<String, byte[]> inputs() {
        return copyInputs(inputs);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Node n)) {
            return false;
        }
        if (!(spec.equals(n.spec)
                && status == n.status
                && attempts.equals(n.attempts)
                && java.util.Objects.equals(startedAt, n.startedAt)
                && java.util.Objects.equals(finishedAt, n.finishedAt)
                && java.util.Objects.equals(claim, n.claim)
                && inputs.keySet().equals(n.inputs.keySet()))) {
            return false;
        }
        return inputs.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), n.inputs.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(spec, status, attempts, startedAt, finishedAt, claim, inputs.keySet());
    }
}
