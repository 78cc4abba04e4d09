package io.adagio.etcd;

import io.adagio.conformance.RepositoryProperties;
import io.adagio.core.repository.Repository;
import io.adagio.testkit.etcd.EtcdCluster;
import java.util.UUID;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** The protocol properties through the etcd backend (random DAGs and interleavings). */
class EtcdRepositoryPropertiesTest extends RepositoryProperties {
    private static EtcdCluster etcd;

    @BeforeContainer
    static void startEtcd() {
        etcd = EtcdCluster.startOrSkip(1);
    }

    @AfterContainer
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Override
    protected Repository createRepository() {
        return EtcdRepository.connect(
                EtcdSettings.of(etcd.clientUrlsCsv()).withNamespace("props-" + UUID.randomUUID()));
    }
}
