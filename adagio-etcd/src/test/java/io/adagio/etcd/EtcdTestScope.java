package io.adagio.etcd;

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
