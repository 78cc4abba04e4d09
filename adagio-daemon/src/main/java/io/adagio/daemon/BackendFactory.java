package io.adagio.daemon;

import io.adagio.core.graph.Limits;
import io.adagio.core.repository.Repository;
import io.adagio.daemon.retention.Housekeeper;
import io.adagio.daemon.retention.Leadership;
import io.adagio.daemon.retention.RetentionPolicy;
import io.adagio.daemon.retention.StorageMonitor;
import io.adagio.etcd.EtcdRepository;
import io.adagio.etcd.EtcdSettings;
import io.adagio.memory.MemoryRepository;
import io.micrometer.core.instrument.MeterRegistry;
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

    /**
     * What an API process does to keep the state bounded: retention on any backend (the process
     * alone with a memory backend always leads); with etcd also the election among API processes,
     * compaction of etcd's history and watching its size.
     */
    public static Housekeeper housekeeper(Repository repository, Settings settings, MeterRegistry registry) {
        var h = settings.housekeeping();
        var policy = new RetentionPolicy(h.retentionMaxAge(), h.retentionMaxRuns());
        if (repository instanceof EtcdRepository etcd) {
            var parts = etcd.housekeeping();
            var chores = new Housekeeper.Chores(
                    parts::finishInterruptedDeletes,
                    parts.compactor(h.etcdCompactionInterval()),
                    new StorageMonitor(parts.quota(h.etcdQuotaBytes()), registry));
            return new Housekeeper(
                    repository, policy, h.retentionInterval(), Leadership.etcd(parts.leadership()), chores, registry);
        }
        return new Housekeeper(
                repository,
                policy,
                h.retentionInterval(),
                Leadership.alone(h.retentionInterval()),
                Housekeeper.Chores.NONE,
                registry);
    }

    /** What a run may hold and ask for: -max-nodes, -max-edges and -max-attempts-limit. */
    static Limits limits(Settings settings) {
        return settings.limits().withMaxAttempts(settings.maxAttemptsLimit());
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
        var repository = EtcdStartup.await(
                etcd, () -> EtcdRepository.connect(etcd), settings.etcd().startupWait());
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
