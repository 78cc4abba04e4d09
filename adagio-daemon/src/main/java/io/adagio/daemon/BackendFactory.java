package io.adagio.daemon;

import io.adagio.core.repository.Repository;
import io.adagio.memory.MemoryRepository;

/** Opens the repository the settings name; the one place that knows every backend. */
public final class BackendFactory {
    private BackendFactory() {}

    public static Repository open(Settings settings) {
        return switch (settings.backendType()) {
            case MEMORY -> new MemoryRepository();
            case ETCD -> throw new StartupException(
                    "the etcd backend is not part of this build yet; use -backend-type=memory");
        };
    }
}
