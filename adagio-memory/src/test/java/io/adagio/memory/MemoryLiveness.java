package io.adagio.memory;

import io.adagio.core.model.Node;

/**
 * For tests of the memory backend and of the agents running on it: what the end of an agent's
 * liveness lease does to its claim on another backend. (The memory backend itself has no leases.)
 */
public final class MemoryLiveness {
    private MemoryLiveness() {}

    /** Orphans the node if it is RUNNING: it reads NONE and NODE_ORPHANED is emitted. */
    public static Node orphan(MemoryRepository repository, String runId, String node) {
        return repository.orphan(runId, node);
    }
}
