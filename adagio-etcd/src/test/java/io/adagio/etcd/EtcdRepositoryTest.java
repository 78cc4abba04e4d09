package io.adagio.etcd;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Claim;
import io.adagio.core.model.RunQuery;
import io.adagio.core.repository.RepositoryException;
import io.adagio.testkit.etcd.EtcdExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the etcd backend adds to the conformance suite: namespaces, storage format, settings, typed errors. */
class EtcdRepositoryTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private EtcdRepository connect(String namespace) {
        return EtcdRepository.connect(EtcdSettings.of(ETCD.endpoints()).withNamespace(namespace));
    }

    @Test
    void installationsInDifferentNamespacesDoNotSeeEachOther() {
        try (var one = connect("ns-one-" + UUID.randomUUID());
                var two = connect("ns-two-" + UUID.randomUUID())) {
            var id = one.startRun(graph(List.of(node("a")))).id();
            assertThat(two.listRuns(RunQuery.ALL)).isEmpty();
            assertThat(two.stats().runCount()).isZero();
            assertThatThrownBy(() -> two.inspectRun(id)).isInstanceOf(RepositoryException.NotFound.class);
            assertThat(one.listRuns(RunQuery.ALL)).hasSize(1);
        }
    }

    @Test
    void everythingIsWrittenUnderTheNamespace() {
        var ns = "prefix-" + UUID.randomUUID();
        try (var r = connect(ns);
                var raw = new RawEtcd(ETCD.endpoints())) {
            var id = r.startRun(graph("a->b")).id();
            r.claimNode(id, "a", new Claim("c"));
            var all = raw.allKeys();
            assertThat(all.stream().filter(k -> k.contains(id))).isNotEmpty();
            assertThat(all.stream().filter(k -> k.contains(id))).allMatch(k -> k.startsWith(ns + "/"));
        }
    }

    @Test
    void aRecordOfANewerStorageFormatIsRefusedWithAClearError() throws Exception {
        var ns = "format-" + UUID.randomUUID();
        try (var r = connect(ns);
                var raw = new RawEtcd(ETCD.endpoints())) {
            var id = r.startRun(graph(List.of(node("a")))).id();
            var future = io.adagio.etcd.storage.RunRecord.newBuilder()
                    .setFormat(99)
                    .setId(id)
                    .build();
            RawEtcd.get(raw.client
                    .getKVClient()
                    .put(RawEtcd.b(ns + "/runs/" + id), io.etcd.jetcd.ByteSequence.from(future.toByteArray())));
            assertThatThrownBy(() -> r.inspectRun(id))
                    .isInstanceOf(RepositoryException.StorageFormat.class)
                    .matches(e -> !((RepositoryException) e).retryable(), "not retryable")
                    .hasMessageContaining(ns + "/runs/" + id)
                    .hasMessageContaining("format 99")
                    .hasMessageContaining("newer Adagio");
        }
    }

    @Test
    void aCorruptRecordIsRefusedAsStorageFormatNamingItsKey() {
        var ns = "corrupt-" + UUID.randomUUID();
        try (var r = connect(ns);
                var raw = new RawEtcd(ETCD.endpoints())) {
            var id = r.startRun(graph("a->b")).id();
            var claim = new Claim("c");
            assertThat(r.claimNode(id, "a", claim).claimed()).isTrue();
            raw.put(ns + "/nodes/" + id + "/b", "not a record at all");
            assertThatThrownBy(() -> r.inspectRun(id))
                    .isInstanceOf(RepositoryException.StorageFormat.class)
                    .hasMessageContaining(ns + "/nodes/" + id + "/b")
                    .hasMessageContaining("does not hold an Adagio record");
            assertThatThrownBy(() -> r.finishNode(id, "a", io.adagio.core.model.Result.success("x"), claim))
                    .isInstanceOf(RepositoryException.StorageFormat.class);
        }
    }

    @Test
    void settingsRejectBadValuesWithAClearMessage() {
        assertThatThrownBy(() -> EtcdSettings.of("127.0.0.1:2379")).hasMessageContaining("must be a URL");
        assertThatThrownBy(() -> EtcdSettings.of(EtcdSettings.DEFAULT_ADDRESS).withNamespace("a/b"))
                .hasMessageContaining("namespace");
        assertThatThrownBy(() -> EtcdSettings.of(EtcdSettings.DEFAULT_ADDRESS).withLeaseTtl(Duration.ofMillis(500)))
                .hasMessageContaining("TTL");
        assertThatThrownBy(() -> EtcdSettings.of(EtcdSettings.DEFAULT_ADDRESS).withCredentials("u", null))
                .hasMessageContaining("together");
        var s = EtcdSettings.of("http://a:1, http://b:2").withCredentials("user", "secret");
        assertThat(s.addresses()).containsExactly("http://a:1", "http://b:2");
        assertThat(s.namespace()).isEqualTo("adagio");
        assertThat(s.leaseTtl()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.toString()).doesNotContain("secret");
    }

    @Test
    void anUnreachableEtcdIsReportedUnavailable() {
        var settings =
                EtcdSettings.of("http://127.0.0.1:1").withNamespace("x").withRequestTimeout(Duration.ofSeconds(2));
        try (var r = EtcdRepository.connect(settings)) {
            assertThatThrownBy(r::stats)
                    .isInstanceOf(RepositoryException.Unavailable.class)
                    .matches(e -> ((RepositoryException) e).retryable(), "retryable")
                    .hasMessageContaining("127.0.0.1:1");
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
