package io.adagio.etcd;

import static io.adagio.conformance.Graphs.graph;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.repository.RepositoryException;
import io.adagio.testkit.etcd.EtcdCluster;
import io.adagio.testkit.etcd.EtcdExtension;
import io.adagio.testkit.tls.TestCertificates;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real etcd serving TLS and wanting client certificates (made at test time): the repository
 * runs the whole protocol with the CA, certificate and key an operator gives adagiod, and gets
 * nowhere without them.
 */
class EtcdTlsTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.of(EtcdCluster.builder().clientCertificateAuth());

    private static final Duration SHORT = Duration.ofSeconds(3);

    private static EtcdSettings settings(Path ca, TestCertificates.Issued client) {
        return EtcdSettings.of(ETCD.endpoints())
                .withNamespace("tls")
                .withTls(ca, client == null ? null : client.certificateFile(), client == null ? null : client.keyFile())
                .withRequestTimeout(SHORT);
    }

    @Test
    void withTheCaAndAClientCertificateTheProtocolRuns() {
        var etcd = ETCD.cluster();
        assertThat(etcd.clientUrl(0)).startsWith("https://");
        try (var r = EtcdRepository.connect(settings(etcd.caFile(), etcd.clientCertificate()))) {
            var subscription = r.subscribe(new Agent("agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
            var id = r.startRun(graph("a->b")).id();
            var claim = new Claim("c");
            assertThat(r.claimNode(id, "a", claim).claimed()).isTrue();
            r.finishNode(id, "a", Result.success("over TLS"), claim);
            assertThat(r.inspectRun(id).node("b").orElseThrow().status()).isEqualTo(NodeStatus.READY);
            assertThat(r.listAgents()).extracting(Agent::id).containsExactly("agent");
            subscription.close();
        }
    }

    @Test
    void withoutAClientCertificateNothingIsReadable() {
        try (var r = EtcdRepository.connect(settings(ETCD.cluster().caFile(), null))) {
            assertThatThrownBy(r::stats).isInstanceOf(RepositoryException.Unavailable.class);
        }
    }

    @Test
    void aServerCertificateFromAnUntrustedCaIsRefused(@TempDir Path dir) {
        var stranger = TestCertificates.authority(dir, "stranger-ca");
        try (var r = EtcdRepository.connect(
                settings(stranger.certificateFile(), ETCD.cluster().clientCertificate()))) {
            assertThatThrownBy(r::stats).isInstanceOf(RepositoryException.Unavailable.class);
        }
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefused(@TempDir Path dir) {
        var intruder = TestCertificates.authority(dir, "stranger-ca").client("intruder");
        try (var r = EtcdRepository.connect(settings(ETCD.cluster().caFile(), intruder))) {
            assertThatThrownBy(r::stats).isInstanceOf(RepositoryException.Unavailable.class);
        }
    }
}
