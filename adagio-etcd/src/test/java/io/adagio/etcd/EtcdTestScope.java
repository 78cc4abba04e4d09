package io.adagio.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One test's share of a shared etcd: a namespace of its own (so tests never see each other's keys),
 * a raw client for looking behind the repository, and whatever the test opened, closed newest
 * first when the test ends.
 */
final class EtcdTestScope implements AutoCloseable {
    private final List<AutoCloseable> toClose = new ArrayList<>();
    final String namespace;
    final RawEtcd raw;

    EtcdTestScope(String namespacePrefix, String endpoints) {
        this.namespace = namespacePrefix + "-" + UUID.randomUUID();
        this.raw = closeLater(new RawEtcd(endpoints));
    }

    /** A repository that the test can kill, and what kills it. */
    record Killable(EtcdRepository repository, TcpProxy proxy) {
        /**
         * Dies as a killed process does, from etcd's point of view: it is cut off without revoking
         * its lease, so its claims and keys stay until the lease runs out.
         */
        void kill() {
            proxy.cut();
        }
    }

    /** A repository in this scope's namespace, talking to etcd through a proxy the test can cut. */
    Killable killable(String endpoints, Duration leaseTtl) {
        try {
            var proxy = closeLater(new TcpProxy(endpoints.split(",")[0]));
            var repository = closeLater(EtcdRepository.connect(EtcdSettings.of(proxy.url())
                    .withNamespace(namespace)
                    .withLeaseTtl(leaseTtl)
                    // Its close, once cut off, gives up on revoking its lease this soon.
                    .withRequestTimeout(Duration.ofSeconds(2))
                    .withHousekeepingPeriod(Duration.ofHours(1))));
            return new Killable(repository, proxy);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    <T extends AutoCloseable> T closeLater(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    @Override
    public void close() throws Exception {
        for (var c : toClose.reversed()) {
            c.close();
        }
    }
}
