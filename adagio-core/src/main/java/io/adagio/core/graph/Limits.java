package io.adagio.core.graph;

/**
 * Size limits on what a user may submit: nodes and edges per graph, metadata per node, bytes per
 * request. A spec over a limit is refused with {@code RESOURCE_EXHAUSTED} before any other check, so
 * the work a request causes stays bounded. adagiod starts from {@link #DEFAULT} and sets the node and
 * edge limits from its {@code -max-nodes} and {@code -max-edges} options; code that builds a
 * repository or API server itself can pass others.
 */
public record Limits(int maxNodes, int maxEdges, int maxMetadataBytesPerNode, int maxRequestBytes) {
    public static final Limits DEFAULT = new Limits(100_000, 1_000_000, 256 * 1024, 8 * 1024 * 1024);

    public Limits {
        if (maxNodes < 1 || maxEdges < 0 || maxMetadataBytesPerNode < 0 || maxRequestBytes < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    /** These limits with other node and edge limits. */
    public Limits withGraphSize(int nodes, int edges) {
        return new Limits(nodes, edges, maxMetadataBytesPerNode, maxRequestBytes);
    }
}
