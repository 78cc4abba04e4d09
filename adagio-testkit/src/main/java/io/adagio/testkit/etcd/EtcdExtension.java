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
 * <p>Secured members (TLS, client certificates, users) come from a builder:
 * <pre>{@code @RegisterExtension static final EtcdExtension ETCD =
 *         EtcdExtension.of(EtcdCluster.builder().clientCertificateAuth());}</pre>
 *
 * <p>Without the etcd binary the tests are skipped with a message saying how to install it, except
 * under CI ({@code CI=true}), where a missing binary fails them: CI must never pass by skipping.
 */
public final class EtcdExtension implements BeforeAllCallback, AfterAllCallback {
    private final EtcdCluster.Builder options;
    private volatile EtcdCluster cluster;

    private EtcdExtension(EtcdCluster.Builder options) {
        this.options = options;
    }

    private EtcdExtension(int members) {
        this(EtcdCluster.builder().members(members));
    }

    /** Members started as {@code options} says. */
    public static EtcdExtension of(EtcdCluster.Builder options) {
        return new EtcdExtension(options);
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
        cluster = options.startOrSkip();
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
