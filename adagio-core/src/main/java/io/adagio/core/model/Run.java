package io.adagio.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** An immutable snapshot of a run: every node (in spec order) and the edges between them. */
public record Run(String id, Instant createdAt, List<Node> nodes, List<Edge> edges, RunStatus status) {
    public Run {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
    }

    public Optional<Node> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }
}
