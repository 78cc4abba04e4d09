package io.adagio.memory;

import io.adagio.conformance.RepositoryConformanceSuite;
import io.adagio.core.graph.Limits;
import io.adagio.core.model.Claim;
import io.adagio.core.repository.Repository;
import java.time.InstantSource;

/** The memory backend against the one conformance suite. */
class MemoryRepositoryConformanceTest extends RepositoryConformanceSuite {
    @Override
    protected Repository createRepository(InstantSource clock) {
        return new MemoryRepository(Limits.DEFAULT, clock);
    }

    @Override
    public void orphan(Repository repository, String runId, String node, Claim claim) {
        ((MemoryRepository) repository).orphan(runId, node);
    }
}
