package io.adagio.bench;

import io.adagio.etcd.EtcdSettings;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Removes a benchmark trial's keys, so that trials do not pile up state in a shared etcd; in the
 * bench's own etcd, its history too.
 *
 * <p>Why the history: etcd's own compaction (every five minutes) came too late for a bench of a
 * few minutes, and the history of earlier trials slowed etcd as the bench went on (a raw
 * transaction's etcd CPU went from about 410 to 650 µs in one run), so that a trial's figures
 * depended on how many trials ran before it. An etcd the bench did not start may serve others,
 * whose watches a compaction would cut short: its history is left alone.
 */
final class EtcdCleanup {
    private final boolean compactHistory;

    /** @param compactHistory whether to compact etcd's whole history after removing a namespace */
    EtcdCleanup(boolean compactHistory) {
        this.compactHistory = compactHistory;
    }

    void deleteNamespace(EtcdSettings settings) throws Exception {
        try (var client = Client.builder()
                .endpoints(settings.addresses().toArray(String[]::new))
                .build()) {
            var deleted = client.getKVClient()
                    .delete(
                            ByteSequence.from(settings.namespace() + "/", StandardCharsets.UTF_8),
                            DeleteOption.builder().isPrefix(true).build())
                    .get(30, TimeUnit.SECONDS);
            if (compactHistory) {
                // Physical: done before the next trial starts, not during it.
                client.getKVClient()
                        .compact(
                                deleted.getHeader().getRevision(),
                                CompactOption.builder()
                                        .withCompactPhysical(true)
                                        .build())
                        .get(60, TimeUnit.SECONDS);
            }
        }
    }
}
