package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import io.adagio.testkit.etcd.EtcdBackend;
import io.adagio.testkit.etcd.EtcdCluster;
import io.etcd.jetcd.Client;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment the etcd backend exists for: an {@code adagiod api} process and an
 * {@code adagiod agent} process, apart, sharing one real etcd. The API takes a run, the agent
 * process executes it, and both stop cleanly on SIGTERM.
 */
class EtcdApartEndToEndTest {

    @Test
    void apiAndAgentProcessesShareOneEtcd() {
        try (var etcd = EtcdCluster.start(1)) {
            var env = EtcdBackend.of(etcd).namespace("e2e").env();
            try (var api = AdagiodProcess.start(java.util.List.of("api", "-listen", "127.0.0.1:0"), env);
                    var agent = AdagiodProcess.start(java.util.List.of("agent", "-agent-count", "2"), env)) {
                var client = new ApiClient(api.awaitApi(Duration.ofSeconds(60)));
                agent.awaitLog("started with 2 workers", Duration.ofSeconds(60));
                assertThat(api.stderr() + agent.stderr()).doesNotContain("memory backend");

                String id = client.startRun("""
                        {"nodes": [{"name": "produce", "runtime": "exec",
                                    "metadata": {"adagio.arguments.exec.command": {"values": ["echo"]},
                                                 "adagio.arguments.exec.args": {"values": ["-n", "from etcd"]}}},
                                   {"name": "consume", "runtime": "debug", "retry": {"error": {"max_attempts": 2}}}],
                         "edges": [{"source": "produce", "destination": "consume"}]}""");
                var run = Awaitility.await("run completed")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .until(
                                () -> client.run(id),
                                r -> r.path("status").asText().equals("COMPLETED"));
                ExamplesEndToEndTest.checkOutcomes(
                        run,
                        Map.of(
                                "produce",
                                ExamplesEndToEndTest.output("from etcd"),
                                "consume",
                                ExamplesEndToEndTest.SUCCESS));
                assertThat(ApiClient.json(client.get("/v0/agents")).path("agents"))
                        .hasSize(1);

                agent.terminate();
                api.terminate();
                assertThat(agent.awaitExit(Duration.ofSeconds(60)))
                        .as(agent.stderr())
                        .isZero();
                assertThat(api.awaitExit(Duration.ofSeconds(60)))
                        .as(api.stderr())
                        .isZero();
            }
        }
    }

    /**
     * -etcd-lease-ttl reaches etcd: one agent process takes it from the environment over the config
     * file, another from its flag over both; etcd holds one lease of each TTL.
     */
    @Test
    void theLeaseTtlOptionSetsTheTtlOfTheLeaseInEtcd(@TempDir Path dir) throws Exception {
        try (var etcd = EtcdCluster.start(1);
                var raw = Client.builder()
                        .endpoints(etcd.clientUrls().toArray(String[]::new))
                        .build()) {
            var config = Files.writeString(dir.resolve("adagiod.toml"), """
                    backend-type = "etcd"
                    etcd-addresses = ["%s"]
                    etcd-namespace = "ttl"
                    etcd-lease-ttl = "7s"
                    """.formatted(etcd.clientUrl(0)));
            var env = Map.of("ADAGIOD_ETCD_LEASE_TTL", "4s");
            try (var fromEnv = AdagiodProcess.start(List.of("agent", "-config", config.toString()), env);
                    var fromFlag = AdagiodProcess.start(
                            List.of("agent", "-config", config.toString(), "-etcd-lease-ttl=5s"), env)) {
                fromEnv.awaitLog("workers, runtimes", Duration.ofSeconds(60));
                fromFlag.awaitLog("workers, runtimes", Duration.ofSeconds(60));
                assertThat(fromEnv.stderr()).contains("lease TTL 4s");
                assertThat(fromFlag.stderr()).contains("lease TTL 5s");

                // Each agent process registers under its lease.
                var agents = raw.getKVClient()
                        .get(
                                io.etcd.jetcd.ByteSequence.from("ttl/agents/", java.nio.charset.StandardCharsets.UTF_8),
                                io.etcd.jetcd.options.GetOption.builder()
                                        .isPrefix(true)
                                        .build())
                        .get(30, TimeUnit.SECONDS)
                        .getKvs();
                var granted = new ArrayList<Long>();
                for (var agent : agents) {
                    granted.add(raw.getLeaseClient()
                            .timeToLive(agent.getLease(), io.etcd.jetcd.options.LeaseOption.DEFAULT)
                            .get(30, TimeUnit.SECONDS)
                            .getGrantedTTL());
                }
                assertThat(granted).containsExactlyInAnyOrder(4L, 5L);
            }
        }
    }

    /**
     * etcd with authentication: a wrong password stops adagiod at startup (exit 1) with a clear
     * message; the right one (from the environment) works; the password is never in the log.
     */
    @Test
    void credentialsFromTheOptionsAuthenticateWithEtcd() throws Exception {
        try (var etcd = EtcdCluster.start(1);
                var raw = Client.builder()
                        .endpoints(etcd.clientUrls().toArray(String[]::new))
                        .build()) {
            var auth = raw.getAuthClient();
            auth.userAdd(utf8("root"), utf8("right-s3cret")).get(30, TimeUnit.SECONDS);
            auth.roleAdd(utf8("root")).get(30, TimeUnit.SECONDS);
            auth.userGrantRole(utf8("root"), utf8("root")).get(30, TimeUnit.SECONDS);
            auth.authEnable().get(30, TimeUnit.SECONDS);
            var args = new ArrayList<>(List.of("api", "-listen", "127.0.0.1:0"));
            args.addAll(EtcdBackend.at(etcd.clientUrl(0)).flags());
            args.addAll(List.of("-etcd-username", "root"));

            try (var wrong = AdagiodProcess.start(args, Map.of("ADAGIOD_ETCD_PASSWORD", "wrong-s3cret"))) {
                assertThat(wrong.awaitExit(Duration.ofSeconds(60)))
                        .as(wrong.stderr())
                        .isEqualTo(1);
                assertThat(wrong.stderr())
                        .contains("etcd authentication failed")
                        .contains("user \"root\"")
                        .doesNotContain("wrong-s3cret")
                        .doesNotContain("\tat ");
            }
            try (var right = AdagiodProcess.start(args, Map.of("ADAGIOD_ETCD_PASSWORD", "right-s3cret"))) {
                var client = new ApiClient(right.awaitApi(Duration.ofSeconds(60)));
                assertThat(client.get("/v0/stats").statusCode()).isEqualTo(200);
                client.startRun("""
                        {"nodes": [{"name": "a", "runtime": "debug"}]}""");
                assertThat(right.stderr()).contains("user \"root\"").doesNotContain("right-s3cret");
            }
        }
    }

    private static io.etcd.jetcd.ByteSequence utf8(String s) {
        return io.etcd.jetcd.ByteSequence.from(s, java.nio.charset.StandardCharsets.UTF_8);
    }
}
