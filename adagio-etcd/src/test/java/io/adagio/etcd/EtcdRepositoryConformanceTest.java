package io.adagio.etcd;

import io.adagio.conformance.RepositoryConformanceSuite;
import io.adagio.core.model.Claim;
import io.adagio.core.repository.Repository;
import io.adagio.testkit.etcd.EtcdExtension;
import java.time.InstantSource;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The etcd backend against the one conformance suite, on a real etcd; a fresh namespace per test. */
class EtcdRepositoryConformanceTest extends RepositoryConformanceSuite {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static RawEtcd raw;

    private String namespace;

    @Override
    protected Repository createRepository(InstantSource clock) {
        namespace = "conformance-" + UUID.randomUUID();
        return EtcdRepository.connect(EtcdSettings.of(ETCD.endpoints()).withNamespace(namespace), clock);
    }

    /**
     * Does to the claim what the end of its holder's lease does: etcd deletes the claim key. Then
     * sweeps, as an agent process does when it hears that an instance ended (or periodically).
     */
    @Override
    public void orphan(Repository repository, String runId, String node, Claim claim) {
        var etcd = (EtcdRepository) repository;
        if (raw == null) {
            raw = new RawEtcd(ETCD.endpoints());
        }
        raw.delete(new Keys(namespace).claim(runId, node));
        etcd.sweeper.sweep();
    }

    @AfterAll
    static void closeRaw() {
        if (raw != null) {
            raw.close();
            raw = null;
        }
    }
}
