package io.adagio.core.graph;

/**
 * Size limits on what a user may submit (DESIGN §2). Operators may raise them; a spec over a limit is
 * refused with {@code RESOURCE_EXHAUSTED} before any other check, so the work a request causes stays
 * bounded.
 */
public record Limits(int maxNodes, int maxEdges, int maxMetadataBytesPerNode, int maxRequestBytes) {
    public static final Limits DEFAULT = new Limits(10_000, 100_000, 256 * 1024, 8 * 1024 * 1024);

    public Limits {
        if (maxNodes < 1 || maxEdges < 0 || maxMetadataBytesPerNode < 0 || maxRequestBytes < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
