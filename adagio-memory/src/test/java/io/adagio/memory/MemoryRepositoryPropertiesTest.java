package io.adagio.memory;

import io.adagio.conformance.RepositoryProperties;
import io.adagio.core.repository.Repository;

/** The protocol properties, with a fresh memory backend per try. */
class MemoryRepositoryPropertiesTest extends RepositoryProperties {
    @Override
    protected Repository createRepository() {
        return new MemoryRepository();
    }
}
