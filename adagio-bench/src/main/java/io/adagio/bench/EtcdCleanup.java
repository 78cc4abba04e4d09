package io.adagio.bench;

import io.adagio.etcd.EtcdSettings;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.DeleteOption;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Removes a benchmark trial's keys, so that trials do not pile up state in a shared etcd. */
final class EtcdCleanup {
    private EtcdCleanup() {}

    static void deleteNamespace(EtcdSettings settings) throws Exception {
        try (var client = Client.builder()
                .endpoints(settings.addresses().toArray(String[]::new))
                .build()) {
            client.getKVClient()
                    .delete(
                            ByteSequence.from(settings.namespace() + "/", StandardCharsets.UTF_8),
                            DeleteOption.builder().isPrefix(true).build())
                    .get(30, TimeUnit.SECONDS);
        }
    }
}
