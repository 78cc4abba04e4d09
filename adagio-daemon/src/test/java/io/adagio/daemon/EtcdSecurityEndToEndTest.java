package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import io.adagio.testkit.etcd.EtcdBackend;
import io.adagio.testkit.etcd.EtcdCluster;
import io.adagio.testkit.etcd.EtcdExtension;
import io.adagio.testkit.tls.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * adagiod against real etcds that are secured as the README recommends: one with TLS and client
 * certificates (made at test time), one with authentication. The right settings run a workflow;
 * each wrong one stops adagiod at startup (exit 1) with a message saying what to change, instead
 * of a daemon that retries forever.
 */
class EtcdSecurityEndToEndTest {
    @RegisterExtension
    static final EtcdExtension TLS = EtcdExtension.of(EtcdCluster.builder().clientCertificateAuth());

    @RegisterExtension
    static final EtcdExtension AUTH = EtcdExtension.of(EtcdCluster.builder().user("adagio", "adagio-password", "e2e"));

    private static final Duration STARTUP = Duration.ofSeconds(90);
    private static final Duration EXIT = Duration.ofSeconds(90);

    private static final String SPEC = """
            {"nodes": [{"name": "env", "runtime": "exec",
                        "metadata": {"adagio.arguments.exec.command": {"values": ["env"]}}},
                       {"name": "after", "runtime": "debug"}],
             "edges": [{"source": "env", "destination": "after"}]}""";

    private static List<String> tlsArgs(Path ca, TestCertificates.Issued client) {
        var args = listeningWith(EtcdBackend.of(TLS.cluster()).namespace("e2e"));
        if (ca != null) {
            args.addAll(List.of("-etcd-ca-file", ca.toString()));
        }
        if (client != null) {
            args.addAll(List.of(
                    "-etcd-cert-file", client.certificateFile().toString(),
                    "-etcd-key-file", client.keyFile().toString()));
        }
        return args;
    }

    /** The arguments of an adagiod that listens on a free port with this backend, given as flags. */
    private static List<String> listeningWith(EtcdBackend backend) {
        var args = new ArrayList<>(List.of("-listen", "127.0.0.1:0"));
        args.addAll(backend.flags());
        return args;
    }

    private static Map<String, String> authEnv(String user, String password) {
        var env = new java.util.LinkedHashMap<>(
                EtcdBackend.of(AUTH.cluster()).namespace("e2e").env());
        if (user != null) {
            env.put("ADAGIOD_ETCD_USERNAME", user);
            env.put("ADAGIOD_ETCD_PASSWORD", password);
        }
        return env;
    }

    /** Runs the spec to completion and returns what the exec node printed. */
    private static String runToCompletion(AdagiodProcess daemon) {
        var api = new ApiClient(daemon.awaitApi(STARTUP));
        var id = api.startRun(SPEC);
        var run = Awaitility.await("run completed")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> api.run(id), r -> r.path("status").asText().equals("COMPLETED"));
        ExamplesEndToEndTest.checkOutcomes(
                run, Map.of("env", ExamplesEndToEndTest.SUCCESS, "after", ExamplesEndToEndTest.SUCCESS));
        for (var node : run.path("nodes")) {
            if (node.path("spec").path("name").asText().equals("env")) {
                return new String(
                        Base64.getDecoder()
                                .decode(node.path("attempts")
                                        .get(0)
                                        .path("output")
                                        .asText()),
                        StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no node env in " + run);
    }

    /**
     * Starts adagiod with a wrong setting and returns the line saying why it could not start, which
     * must come within {@link EtcdStartupEndToEndTest#WITHIN} of the start (issue 13: each
     * misconfigured start names the endpoint and the cause within 10 s); adagiod then exits 1.
     */
    private static String failedStart(List<String> args, Map<String, String> env) {
        try (var daemon = AdagiodProcess.start(args, env)) {
            String line = EtcdStartupEndToEndTest.awaitLine(daemon, "adagiod could not start");
            assertThat(daemon.awaitExit(EXIT)).as(daemon.stderr()).isEqualTo(1);
            assertThat(daemon.stderr()).doesNotContain("\tat ");
            return line;
        }
    }

    // ---------------------------------------------------------------- TLS and client certificates

    @Test
    void tlsWithAClientCertificateRunsAWorkflow() {
        var etcd = TLS.cluster();
        try (var daemon = AdagiodProcess.start(tlsArgs(etcd.caFile(), etcd.clientCertificate()), Map.of())) {
            runToCompletion(daemon);
            assertThat(daemon.stderr())
                    .contains("connected to etcd at https://")
                    .contains(", TLS)");
        }
    }

    @Test
    void anUntrustedCaStopsAdagiodSayingSo(@TempDir Path dir) {
        var stranger = TestCertificates.authority(dir, "stranger-ca");
        var log = failedStart(tlsArgs(stranger.certificateFile(), TLS.cluster().clientCertificate()), Map.of());
        assertThat(log)
                .contains("etcd's TLS certificate at " + TLS.endpoints() + " is not trusted by the CA in -etcd-ca-file "
                        + stranger.certificateFile());
    }

    @Test
    void withoutACaFileTheJvmsCasDoNotTrustAPrivateCa() {
        var log = failedStart(tlsArgs(null, TLS.cluster().clientCertificate()), Map.of());
        assertThat(log).contains("is not trusted by the JVM's trusted CAs (set -etcd-ca-file");
    }

    @Test
    void aMissingClientCertificateStopsAdagiodSayingSo() {
        var log = failedStart(tlsArgs(TLS.cluster().caFile(), null), Map.of());
        assertThat(log)
                .contains("etcd at " + TLS.endpoints() + " refused the TLS connection")
                .contains("it asks for a client certificate; set -etcd-cert-file and -etcd-key-file");
    }

    @Test
    void aClientCertificateFromAnotherCaStopsAdagiodSayingSo(@TempDir Path dir) {
        var intruder = TestCertificates.authority(dir, "stranger-ca").client("intruder");
        var log = failedStart(tlsArgs(TLS.cluster().caFile(), intruder), Map.of());
        assertThat(log)
                .contains("refused the TLS connection")
                .contains("it does not accept the client certificate in -etcd-cert-file " + intruder.certificateFile());
    }

    @Test
    void anHttpAddressForATlsEtcdStopsAdagiodSayingSo() {
        var plain = TLS.endpoints().replace("https://", "http://");
        var log = failedStart(listeningWith(EtcdBackend.at(plain)), Map.of());
        assertThat(log).contains("etcd at " + plain + " serves TLS: use https:// addresses in -etcd-addresses");
    }

    @Test
    void anHttpsAddressForAPlainEtcdStopsAdagiodSayingSo() {
        var tls = AUTH.endpoints().replace("http://", "https://");
        var log = failedStart(listeningWith(EtcdBackend.at(tls)), Map.of());
        assertThat(log)
                .contains("etcd at " + tls + " does not serve TLS (it answers plain HTTP): use an http:// address");
    }

    // ---------------------------------------------------------------- user and password

    /**
     * The README's recommended setup: the password in ADAGIOD_ETCD_PASSWORD. The workflow runs, and
     * its exec node, printing its environment, sees neither the user nor the password.
     */
    @Test
    void credentialsFromTheEnvironmentRunAWorkflowAndNoWorkloadSeesThem() {
        try (var daemon =
                AdagiodProcess.start(List.of("-listen", "127.0.0.1:0"), authEnv("adagio", "adagio-password"))) {
            var printed = runToCompletion(daemon);
            assertThat(printed)
                    .contains("ADAGIO_NODE=env")
                    .doesNotContain("ADAGIOD_")
                    .doesNotContain("adagio-password");
            assertThat(daemon.stderr()).contains("user \"adagio\"").doesNotContain("adagio-password");
        }
    }

    @Test
    void aWrongPasswordStopsAdagiodSayingSoWithoutPrintingIt() {
        var log = failedStart(List.of("-listen", "127.0.0.1:0"), authEnv("adagio", "not-the-password"));
        assertThat(log)
                .contains("etcd authentication failed at " + AUTH.endpoints() + " (user \"adagio\")")
                .contains("check -etcd-username and -etcd-password")
                .doesNotContain("not-the-password");
    }

    @Test
    void missingCredentialsStopAdagiodSayingSo() {
        var log = failedStart(List.of("-listen", "127.0.0.1:0"), authEnv(null, null));
        assertThat(log)
                .contains("etcd at " + AUTH.endpoints() + " refused adagiod's first request")
                .contains("it has authentication enabled; set -etcd-username and -etcd-password");
    }

    @Test
    void aUserWithoutAccessToTheNamespaceStopsAdagiodSayingSo() {
        var env = authEnv("adagio", "adagio-password");
        env.put("ADAGIOD_ETCD_NAMESPACE", "elsewhere");
        var log = failedStart(List.of("-listen", "127.0.0.1:0"), env);
        assertThat(log).contains("denies user \"adagio\" to the keys under \"elsewhere/\"");
    }
}
