package io.adagio.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An immutable snapshot of a run: every node (in spec order) and the edges between them.
 *
 * @param conclusion NONE until the run is COMPLETED; then CANCELLED if it was cancelled, else ERROR if
 *                   any node's conclusion is ERROR, else FAIL if any node's is FAIL, else SUCCESS
 *                   ({@link #conclusionOf})
 */
public record Run(
        String id, Instant createdAt, List<Node> nodes, List<Edge> edges, RunStatus status, Conclusion conclusion) {
    public Run {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
        conclusion = conclusion == null ? Conclusion.NONE : conclusion;
    }

    /** A run that was not cancelled: its conclusion follows from its status and nodes. */
    public Run(String id, Instant createdAt, List<Node> nodes, List<Edge> edges, RunStatus status) {
        this(id, createdAt, nodes, edges, status, conclusionOf(status, false, nodes));
    }

    public Optional<Node> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    /** A run's conclusion from its status, whether it was cancelled, and its nodes' conclusions. */
    public static Conclusion conclusionOf(RunStatus status, boolean cancelled, List<Node> nodes) {
        if (status != RunStatus.COMPLETED) {
            return Conclusion.NONE;
        }
        if (cancelled) {
            return Conclusion.CANCELLED;
        }
        boolean failed = false;
        for (var n : nodes) {
            if (n.conclusion() == Conclusion.CANCELLED) {
                // Only a cancel concludes a node CANCELLED (a rerun gives it a new conclusion), so a
                // reader that saw the nodes before the run's cancel mark still gets it right: etcd's
                // watch feed follows node records and the run record on two watches, and a cancel
                // too big for one transaction writes nodes before the mark.
                return Conclusion.CANCELLED;
            }
            if (n.conclusion() == Conclusion.ERROR) {
                return Conclusion.ERROR;
            }
            failed |= n.conclusion() == Conclusion.FAIL;
        }
        return failed ? Conclusion.FAIL : Conclusion.SUCCESS;
    }
}
