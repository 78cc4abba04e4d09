package io.adagio.etcd;

import io.adagio.conformance.RepositoryConformanceSuite;
import io.adagio.core.model.Claim;
import io.adagio.core.repository.Repository;
import io.adagio.testkit.etcd.EtcdExtension;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The etcd backend against the one conformance suite, on a real etcd; a fresh namespace per test. */
class EtcdRepositoryConformanceTest extends RepositoryConformanceSuite {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static RawEtcd raw;

    @Override
    protected Repository createRepository() {
        return EtcdRepository.connect(
                EtcdSettings.of(ETCD.endpoints()).withNamespace("conformance-" + UUID.randomUUID()));
    }

    /**
     * Does to the claim what the end of its holder's lease does: etcd deletes the claim key. The
     * repository's claim watch (when it has subscribers) or its orphan scan then orphans the node.
     */
    @Override
    public void orphan(Repository repository, String runId, String node, Claim claim) {
        var etcd = (EtcdRepository) repository;
        if (raw == null) {
            raw = new RawEtcd(ETCD.endpoints());
        }
        raw.delete(etcd.claimKey(runId, node));
        etcd.recoverOrphans();
    }

    @AfterAll
    static void closeRaw() {
        if (raw != null) {
            raw.close();
            raw = null;
        }
    }
}
