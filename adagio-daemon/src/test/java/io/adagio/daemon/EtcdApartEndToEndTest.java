package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.etcd.testing.EtcdCluster;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The deployment the etcd backend exists for: an {@code adagiod api} process and an
 * {@code adagiod agent} process, apart, sharing one real etcd. The API takes a run, the agent
 * process executes it, and both stop cleanly on SIGTERM.
 */
class EtcdApartEndToEndTest {

    @Test
    void apiAndAgentProcessesShareOneEtcd() {
        try (var etcd = EtcdCluster.start(1)) {
            var env = Map.of("ADAGIOD_BACKEND_TYPE", "etcd", "ADAGIOD_ETCD_ADDRESSES", etcd.clientUrlsCsv(),
                    "ADAGIOD_ETCD_NAMESPACE", "e2e");
            try (var api = DaemonProcess.start(java.util.List.of("api", "-listen", "127.0.0.1:0"), env);
                 var agent = DaemonProcess.start(java.util.List.of("agent", "-agent-count", "2"), env)) {
                var client = new Api(api.awaitApi(Duration.ofSeconds(60)));
                agent.awaitLog("started with 2 workers", Duration.ofSeconds(60));
                assertThat(api.stderr() + agent.stderr()).doesNotContain("memory backend");

                String id = client.start("""
                        {"nodes": [{"name": "produce", "runtime": "exec",
                                    "metadata": {"adagio.arguments.exec.command": {"values": ["echo"]},
                                                 "adagio.arguments.exec.args": {"values": ["-n", "from etcd"]}}},
                                   {"name": "consume", "runtime": "debug", "retry": {"error": {"max_attempts": 2}}}],
                         "edges": [{"source": "produce", "destination": "consume"}]}""");
                var run = Awaitility.await("run completed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> client.run(id), r -> r.path("status").asText().equals("COMPLETED"));
                ExamplesEndToEndTest.checkOutcomes(run, Map.of(
                        "produce", ExamplesEndToEndTest.output("from etcd"), "consume", ExamplesEndToEndTest.SUCCESS));
                assertThat(Api.json(client.get("/v0/agents")).path("agents")).hasSize(1);

                agent.terminate();
                api.terminate();
                assertThat(agent.awaitExit(Duration.ofSeconds(60))).as(agent.stderr()).isZero();
                assertThat(api.awaitExit(Duration.ofSeconds(60))).as(api.stderr()).isZero();
            }
        }
    }
}
