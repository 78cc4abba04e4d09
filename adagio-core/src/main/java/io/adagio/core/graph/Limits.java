package io.adagio.core.graph;

/**
 * Size limits on what a user may submit: nodes and edges per graph, metadata per node, bytes per
 * request. A spec over a limit is refused with {@code RESOURCE_EXHAUSTED} before any other check, so
 * the work a request causes stays bounded. adagiod runs with {@link #DEFAULT} and has no option to
 * change them; code that builds a repository or API server itself can pass others.
 */
public record Limits(int maxNodes, int maxEdges, int maxMetadataBytesPerNode, int maxRequestBytes) {
    public static final Limits DEFAULT = new Limits(10_000, 100_000, 256 * 1024, 8 * 1024 * 1024);

    public Limits {
        if (maxNodes < 1 || maxEdges < 0 || maxMetadataBytesPerNode < 0 || maxRequestBytes < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
