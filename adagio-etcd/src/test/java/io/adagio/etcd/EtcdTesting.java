package io.adagio.etcd;

import io.adagio.etcd.testing.EtcdCluster;
import org.opentest4j.TestAbortedException;

/** Starting etcd outside the JUnit Jupiter extension (jqwik containers), with the same skip rule. */
final class EtcdTesting {
    private EtcdTesting() {}

    static EtcdCluster startOrSkip(int members) {
        if (EtcdCluster.findBinary().isEmpty()) {
            var message = "the etcd binary was not found: install the etcd-server package or set ADAGIO_ETCD_BINARY";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(message + " (CI=true: etcd tests must run, not be skipped)");
            }
            throw new TestAbortedException(message);
        }
        return EtcdCluster.start(members);
    }
}
