package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import io.adagio.testkit.etcd.EtcdBackend;
import io.adagio.testkit.etcd.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long haul, short: real adagiod processes keep their state bounded by a retention policy. With
 * the memory backend the daemon applies it; with etcd exactly one of two API processes does, no run
 * is deleted twice or while running, a leader that dies is replaced, and etcd's history is compacted.
 * (The long version is the benchmark's soak mode, docs/PERFORMANCE.md.)
 */
class RetentionEndToEndTest {
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final String TWO_NODES = """
            {"nodes": [{"name": "a", "runtime": "debug"}, {"name": "b", "runtime": "debug"}],
             "edges": [{"source": "a", "destination": "b"}]}""";

    /** The value of an unlabelled metric in a Prometheus scrape, or NaN when it is not there. */
    static double metric(ApiClient client, String name) {
        var body = client.get("/metrics").body();
        return body.lines()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElse(Double.NaN);
    }

    /** Waits until every run has completed and exactly {@code runs} are left. */
    private static JsonNode awaitSettled(ApiClient client, long runs) {
        return Awaitility.await("all runs completed and " + runs + " left")
                .atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> client.getJson("/v0/stats").path("stats"), stats -> {
                    var n = stats.path("node_counts");
                    return stats.path("run_count").asLong() == runs
                            && n.path("waiting_count").asLong()
                                            + n.path("ready_count").asLong()
                                            + n.path("running_count").asLong()
                                            + n.path("orphaned_count").asLong()
                                    == 0;
                });
    }

    private static List<String> listedIds(ApiClient client) {
        var ids = new ArrayList<String>();
        for (var run : client.getJson("/v0/runs").path("runs")) {
            assertThat(run.path("status").asText()).isEqualTo("COMPLETED");
            ids.add(run.path("id").asText());
        }
        return ids;
    }

    @Test
    void theMemoryBackendKeepsTheNewestRuns(@TempDir Path dir) {
        try (var daemon = AdagiodProcess.startListening(
                dir, "-retention-max-runs", "50", "-retention-interval", "500ms", "-agent-count", "8")) {
            var client = ApiClient.of(daemon);
            var ids = new ArrayList<String>();
            for (int i = 0; i < 300; i++) {
                ids.add(client.startRun(TWO_NODES));
            }
            awaitSettled(client, 50);
            assertThat(listedIds(client)).containsExactlyInAnyOrderElementsOf(ids.subList(250, 300));
            assertThat(metric(client, "adagio_retention_deleted_runs_total")).isEqualTo(250);
            assertThat(metric(client, "adagio_housekeeping_leader")).isEqualTo(1);
            assertThat(daemon.log())
                    .contains("retention policy: max-age 30d, max-runs 50")
                    .contains("retention deleted")
                    .doesNotContain("could not record the result");
        }
    }

    @Test
    void withEtcdOneOfTwoApiProcessesAppliesRetentionAndCompactsAndAnotherTakesOver() throws Exception {
        try (var etcd = EtcdCluster.start(1);
                var raw = Client.builder()
                        .endpoints(etcd.clientUrls().toArray(String[]::new))
                        .build()) {
            var env = new HashMap<>(EtcdBackend.of(etcd)
                    .namespace("retention")
                    .leaseTtl(Duration.ofSeconds(2))
                    .env());
            env.putAll(Map.of(
                    "ADAGIOD_RETENTION_MAX_RUNS", "50",
                    "ADAGIOD_RETENTION_INTERVAL", "500ms",
                    "ADAGIOD_ETCD_COMPACTION_INTERVAL", "1s"));
            var key = ByteSequence.from("retention/", StandardCharsets.UTF_8);
            long early = raw.getKVClient()
                    .get(key)
                    .get(30, TimeUnit.SECONDS)
                    .getHeader()
                    .getRevision();
            try (var api1 = AdagiodProcess.start(List.of("api", "-listen", "127.0.0.1:0"), env);
                    var api2 = AdagiodProcess.start(List.of("api", "-listen", "127.0.0.1:0"), env);
                    var agent = AdagiodProcess.start(List.of("agent", "-agent-count", "8"), env)) {
                var c1 = new ApiClient(api1.awaitApi(DEADLINE));
                var c2 = new ApiClient(api2.awaitApi(DEADLINE));
                var ids = new ArrayList<String>();
                for (int i = 0; i < 300; i++) {
                    ids.add((i % 2 == 0 ? c1 : c2).startRun(TWO_NODES));
                }
                awaitSettled(c1, 50);
                assertThat(listedIds(c2)).containsExactlyInAnyOrderElementsOf(ids.subList(250, 300));
                // Every run that went was deleted once, by one process: the counts add up exactly.
                double deleted1 = metric(c1, "adagio_retention_deleted_runs_total");
                double deleted2 = metric(c2, "adagio_retention_deleted_runs_total");
                assertThat(deleted1 + deleted2).isEqualTo(250);
                var leader = metric(c1, "adagio_housekeeping_leader") == 1 ? api1 : api2;
                var follower = leader == api1 ? api2 : api1;
                var followerClient = leader == api1 ? c2 : c1;
                assertThat(metric(c1, "adagio_housekeeping_leader") + metric(c2, "adagio_housekeeping_leader"))
                        .isEqualTo(1);
                assertThat(leader == api1 ? deleted2 : deleted1)
                        .as("the process that does not lead deletes nothing")
                        .isZero();

                // etcd's history is compacted: a read at an old revision is refused.
                Awaitility.await("history compacted")
                        .atMost(DEADLINE)
                        .untilAsserted(() -> assertThatThrownBy(() -> raw.getKVClient()
                                        .get(
                                                key,
                                                GetOption.builder()
                                                        .withRevision(early)
                                                        .build())
                                        .get(30, TimeUnit.SECONDS))
                                .isInstanceOf(ExecutionException.class)
                                .hasMessageContaining("required revision has been compacted"));
                assertThat(metric(c1, "adagio_etcd_compactions_total") + metric(c2, "adagio_etcd_compactions_total"))
                        .isPositive();
                // Both report etcd's size, in the metrics and beside Stats.
                assertThat(metric(c1, "adagio_etcd_db_size_bytes")).isPositive();
                assertThat(metric(c2, "adagio_etcd_quota_bytes")).isEqualTo(2L << 30);
                assertThat(c2.get("/v0/stats").headers().firstValue("adagio-storage-size-bytes"))
                        .isPresent();

                // The leader dies: the other takes over once its lease has run out.
                leader.kill();
                var more = new ArrayList<String>();
                for (int i = 0; i < 100; i++) {
                    more.add(followerClient.startRun(TWO_NODES));
                }
                awaitSettled(followerClient, 50);
                assertThat(listedIds(followerClient)).containsExactlyInAnyOrderElementsOf(more.subList(50, 100));
                assertThat(metric(followerClient, "adagio_housekeeping_leader")).isEqualTo(1);
                assertThat(metric(followerClient, "adagio_retention_deleted_runs_total"))
                        .isEqualTo(100);
                follower.awaitLog("now leads housekeeping", DEADLINE);

                // No run was deleted while running: every result was recorded.
                agent.terminate();
                assertThat(agent.awaitExit(DEADLINE)).isZero();
                assertThat(agent.log()).doesNotContain("could not record the result", "not found");
            }
        }
    }
}
