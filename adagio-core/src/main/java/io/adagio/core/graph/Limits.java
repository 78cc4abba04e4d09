package io.adagio.core.graph;

/**
 * Limits on what a user may submit: nodes and edges per graph, metadata per node, bytes per
 * request, and attempts per node. A spec over a size limit is refused with {@code RESOURCE_EXHAUSTED}
 * before any other check, so the work a request causes stays bounded; a retry rule over
 * {@link #maxAttempts()} is an invalid spec. adagiod starts from {@link #DEFAULT} and sets the node
 * and edge limits from its {@code -max-nodes} and {@code -max-edges} options and the attempt limit
 * from {@code -max-attempts-limit}; code that builds a repository or API server itself can pass
 * others.
 *
 * @param maxAttempts the largest {@code max_attempts} a retry rule may ask for, and the most attempts
 *                    a node records in all (docs/ARCHITECTURE.md, "The protocol"): no node can be
 *                    retried without end
 */
public record Limits(int maxNodes, int maxEdges, int maxMetadataBytesPerNode, int maxRequestBytes, int maxAttempts) {
    /** The default of {@link #maxAttempts()}. */
    public static final int DEFAULT_MAX_ATTEMPTS = 100;

    public static final Limits DEFAULT = new Limits(100_000, 1_000_000, 256 * 1024, 8 * 1024 * 1024);

    public Limits {
        if (maxNodes < 1 || maxEdges < 0 || maxMetadataBytesPerNode < 0 || maxRequestBytes < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("the attempt limit must be at least 1, got " + maxAttempts);
        }
    }

    /** Size limits with the default attempt limit. */
    public Limits(int maxNodes, int maxEdges, int maxMetadataBytesPerNode, int maxRequestBytes) {
        this(maxNodes, maxEdges, maxMetadataBytesPerNode, maxRequestBytes, DEFAULT_MAX_ATTEMPTS);
    }

    public Limits withMaxAttempts(int limit) {
        return new Limits(maxNodes, maxEdges, maxMetadataBytesPerNode, maxRequestBytes, limit);
    }

    /** These limits with other node and edge limits. */
    public Limits withGraphSize(int nodes, int edges) {
        return new Limits(nodes, edges, maxMetadataBytesPerNode, maxRequestBytes, maxAttempts);
    }
}
