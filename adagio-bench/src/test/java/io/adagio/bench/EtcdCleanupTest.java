package io.adagio.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.etcd.EtcdSettings;
import io.adagio.testkit.etcd.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EtcdCleanupTest {
    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Test
    void aTrialsNamespaceGoesAndTheBenchsOwnEtcdForgetsItsHistoryButNoOtherKey() throws Exception {
        try (var etcd = EtcdCluster.startOrSkip(1);
                var client = Client.builder()
                        .endpoints(etcd.clientUrls().toArray(String[]::new))
                        .build()) {
            var kv = client.getKVClient();
            long written = kv.put(bytes("trial-a/key"), bytes("1"))
                    .get(10, TimeUnit.SECONDS)
                    .getHeader()
                    .getRevision();
            kv.put(bytes("other/key"), bytes("kept")).get(10, TimeUnit.SECONDS);

            new EtcdCleanup(true)
                    .deleteNamespace(EtcdSettings.of(etcd.clientUrls()).withNamespace("trial-a"));

            assertThat(kv.get(bytes("trial-a/key")).get(10, TimeUnit.SECONDS).getKvs())
                    .isEmpty();
            assertThat(kv.get(bytes("other/key")).get(10, TimeUnit.SECONDS).getKvs())
                    .hasSize(1);
            // The revision the trial wrote at is compacted away.
            assertThatThrownBy(() -> kv.get(
                                    bytes("trial-a/key"),
                                    GetOption.builder().withRevision(written).build())
                            .get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("compacted");
        }
    }

    @Test
    void anEtcdTheBenchDidNotStartKeepsItsHistory() throws Exception {
        try (var etcd = EtcdCluster.startOrSkip(1);
                var client = Client.builder()
                        .endpoints(etcd.clientUrls().toArray(String[]::new))
                        .build()) {
            var kv = client.getKVClient();
            long written = kv.put(bytes("trial-b/key"), bytes("1"))
                    .get(10, TimeUnit.SECONDS)
                    .getHeader()
                    .getRevision();

            new EtcdCleanup(false)
                    .deleteNamespace(EtcdSettings.of(etcd.clientUrls()).withNamespace("trial-b"));

            assertThat(kv.get(bytes("trial-b/key")).get(10, TimeUnit.SECONDS).getKvs())
                    .isEmpty();
            var then = kv.get(
                            bytes("trial-b/key"),
                            GetOption.builder().withRevision(written).build())
                    .get(10, TimeUnit.SECONDS);
            assertThat(then.getKvs()).hasSize(1);
        }
    }
}
