package io.adagio.core.model;

import java.util.List;

/** A workflow as submitted: nodes and the edges between them. Not yet validated. */
public record GraphSpec(List<NodeSpec> nodes, List<Edge> edges) {
    public GraphSpec {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        edges = edges == null ? List.of() : List.copyOf(edges);
    }
}
