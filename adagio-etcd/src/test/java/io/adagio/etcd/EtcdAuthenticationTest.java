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
import io.adagio.testkit.etcd.EtcdExtension;
import io.etcd.jetcd.auth.Permission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An etcd with authentication enabled (its own server: enabling auth is for good): a user allowed
 * only its installation's namespace can run the whole protocol; a wrong password is a clear error.
 */
class EtcdAuthenticationTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static final String NAMESPACE = "secured";

    @BeforeAll
    static void enableAuthentication() {
        try (var raw = new RawEtcd(ETCD.endpoints())) {
            var auth = raw.client.getAuthClient();
            RawEtcd.get(auth.userAdd(RawEtcd.b("root"), RawEtcd.b("root-password")));
            RawEtcd.get(auth.roleAdd(RawEtcd.b("root")));
            RawEtcd.get(auth.userGrantRole(RawEtcd.b("root"), RawEtcd.b("root")));
            RawEtcd.get(auth.userAdd(RawEtcd.b("adagio"), RawEtcd.b("adagio-password")));
            RawEtcd.get(auth.roleAdd(RawEtcd.b("adagio-role")));
            // Read and write on <namespace>/ only: the range [secured/, secured0).
            RawEtcd.get(auth.roleGrantPermission(
                    RawEtcd.b("adagio-role"),
                    RawEtcd.b(NAMESPACE + "/"),
                    RawEtcd.b(NAMESPACE + "0"),
                    Permission.Type.READWRITE));
            RawEtcd.get(auth.userGrantRole(RawEtcd.b("adagio"), RawEtcd.b("adagio-role")));
            RawEtcd.get(auth.authEnable());
        }
    }

    private static EtcdSettings settings(String user, String password) {
        return EtcdSettings.of(ETCD.endpoints())
                .withNamespace(NAMESPACE)
                .withCredentials(user, password)
                .withRequestTimeout(Duration.ofSeconds(5));
    }

    @Test
    void aUserAllowedItsNamespaceRunsTheProtocol() {
        try (var r = EtcdRepository.connect(settings("adagio", "adagio-password"))) {
            var subscription = r.subscribe(new Agent("agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
            var id = r.startRun(graph("a->b")).id();
            var claim = new Claim("c");
            assertThat(r.claimNode(id, "a", claim).claimed()).isTrue();
            r.finishNode(id, "a", Result.success("x"), claim);
            assertThat(r.inspectRun(id).node("b").orElseThrow().status()).isEqualTo(NodeStatus.READY);
            assertThat(r.listAgents()).extracting(Agent::id).containsExactly("agent");
            assertThat(r.stats().runCount()).isEqualTo(1);
            subscription.close();
        }
    }

    @Test
    void aWrongPasswordIsReportedAsAccessDenied() {
        try (var r = EtcdRepository.connect(settings("adagio", "wrong"))) {
            assertThatThrownBy(r::stats)
                    .isInstanceOf(RepositoryException.AccessDenied.class)
                    .matches(e -> !((RepositoryException) e).retryable(), "not retryable")
                    .hasMessageContaining("etcd authentication failed")
                    .hasMessageContaining("user \"adagio\"")
                    .hasMessageNotContaining("wrong");
        }
    }

    @Test
    void withoutCredentialsNothingIsReadableAndAccessIsDenied() {
        try (var r = EtcdRepository.connect(
                EtcdSettings.of(ETCD.endpoints()).withNamespace(NAMESPACE).withRequestTimeout(Duration.ofSeconds(5)))) {
            assertThatThrownBy(r::stats)
                    .isInstanceOf(RepositoryException.AccessDenied.class)
                    .hasMessageContaining("user name is empty");
        }
    }

    @Test
    void aUserOutsideItsNamespaceIsDeniedAccess() {
        try (var r =
                EtcdRepository.connect(settings("adagio", "adagio-password").withNamespace("elsewhere"))) {
            assertThatThrownBy(r::stats)
                    .isInstanceOf(RepositoryException.AccessDenied.class)
                    .hasMessageContaining("user \"adagio\"");
        }
    }
}
