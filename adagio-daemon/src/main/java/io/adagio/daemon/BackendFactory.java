package io.adagio.daemon;

import io.adagio.core.graph.Limits;
import io.adagio.core.repository.Repository;
import io.adagio.etcd.EtcdRepository;
import io.adagio.etcd.EtcdSettings;
import io.adagio.memory.MemoryRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens the repository the settings name; the one place that knows every backend. */
public final class BackendFactory {
    private static final Logger log = LoggerFactory.getLogger(BackendFactory.class);

    private BackendFactory() {}

    /**
     * @throws ConfigException  when the backend's settings are invalid
     * @throws StartupException when the backend cannot be opened
     */
    public static Repository open(Settings settings) {
        return switch (settings.backendType()) {
            case MEMORY -> new MemoryRepository(limits(settings));
            case ETCD -> etcd(settings);
        };
    }

    /** The default limits but for the attempt limit, which is an option ({@code -max-attempts-limit}). */
    static Limits limits(Settings settings) {
        return Limits.DEFAULT.withMaxAttempts(settings.maxAttemptsLimit());
    }

    private static Repository etcd(Settings settings) {
        EtcdSettings etcd;
        try {
            var options = settings.etcd();
            etcd = EtcdSettings.of(settings.etcdAddresses())
                    .withNamespace(settings.etcdNamespace())
                    .withLeaseTtl(options.leaseTtl())
                    .withCredentials(options.username(), options.password())
                    .withTls(options.caFile(), options.certFile(), options.keyFile())
                    .withLimits(limits(settings));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        Repository repository;
        try {
            repository = EtcdRepository.connect(etcd);
        } catch (RuntimeException e) {
            throw new StartupException(
                    "cannot connect to etcd at " + String.join(",", etcd.addresses()) + ": " + e.getMessage(), e);
        }
        try {
            EtcdStartup.await(etcd, repository, settings.etcd().startupWait());
        } catch (RuntimeException e) {
            repository.close();
            throw e;
        }
        log.info(
                "connected to etcd at {} (namespace \"{}\", lease TTL {}{}{})",
                String.join(",", etcd.addresses()),
                etcd.namespace(),
                io.adagio.agent.runtime.Durations.format(etcd.leaseTtl()),
                etcd.username() == null ? "" : ", user \"" + etcd.username() + "\"",
                etcd.caFile() != null || etcd.certFile() != null ? ", TLS" : "");
        return repository;
    }
}
