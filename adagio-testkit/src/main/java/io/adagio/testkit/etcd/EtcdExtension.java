package io.adagio.testkit.etcd;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * The JUnit face of {@link EtcdCluster}: starts a real etcd (one member or a cluster) before the
 * tests of a class and stops it after:
 * <pre>{@code @RegisterExtension static final EtcdExtension ETCD = EtcdExtension.singleMember();}</pre>
 *
 * <p>Without the etcd binary the tests are skipped with a message saying how to install it, except
 * under CI ({@code CI=true}), where a missing binary fails them: CI must never pass by skipping.
 */
public final class EtcdExtension implements BeforeAllCallback, AfterAllCallback {
    private final int members;
    private volatile EtcdCluster cluster;

    private EtcdExtension(int members) {
        this.members = members;
    }

    public static EtcdExtension singleMember() {
        return new EtcdExtension(1);
    }

    public static EtcdExtension cluster(int members) {
        return new EtcdExtension(members);
    }

    public EtcdCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("etcd is not started: register the extension as a static field");
        }
        return cluster;
    }

    public String endpoints() {
        return cluster().clientUrlsCsv();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster = EtcdCluster.startOrSkip(members);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    /**
     * What skips a test. Made here, not in {@link EtcdCluster}, so that the cluster (plain Java, used
     * by the benchmark harness too) loads without JUnit on the class path.
     */
    static RuntimeException skipped(String message) {
        return new TestAbortedException(message);
    }
}
