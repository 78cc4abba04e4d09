package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import adagio.Adagio.GraphSpec;
import adagio.Adagio.Node;
import adagio.rpc.controlplane.ControlPlaneGrpc;
import adagio.rpc.controlplane.Service.StartRequest;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import io.adagio.testkit.etcd.EtcdBackend;
import io.adagio.testkit.etcd.EtcdCluster;
import io.etcd.jetcd.Client;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * An etcd that fills up (its quota made tiny), under a real adagiod: starts are refused with
 * RESOURCE_EXHAUSTED / 507 and a message that says what to do, while the node running at the time
 * keeps trying to record its result, and records it once an operator has made room (compaction,
 * defragmentation, disarming the alarm, deleting runs, as docs/OPERATIONS.md says).
 */
class EtcdNoSpaceEndToEndTest {
    private static final long QUOTA = 8L << 20;
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    /** One node carrying 40 KB of metadata: each start, claim and finish rewrites that much. */
    private static final String HEAVY = "{\"nodes\": [{\"name\": \"heavy\", \"runtime\": \"debug\", \"metadata\":"
            + " {\"payload\": {\"values\": [\"" + "x".repeat(40_000) + "\"]}}}]}";

    private static <T> T get(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void startsAreRefusedAndRunningWorkCompletesOnceRoomIsMade() throws Exception {
        try (var etcd = EtcdCluster.builder()
                        .extraFlags(List.of("--quota-backend-bytes=" + QUOTA))
                        .start();
                var raw = Client.builder()
                        .endpoints(etcd.clientUrls().toArray(String[]::new))
                        .build();
                var daemon = AdagiodProcess.start(
                        List.of(
                                "-listen", "127.0.0.1:0",
                                "-agent-count", "4",
                                "-retention-max-runs", "0",
                                "-retention-max-age", "0",
                                "-retention-interval", "500ms",
                                "-etcd-compaction-interval", "0",
                                "-etcd-quota-bytes", "8MiB"),
                        EtcdBackend.of(etcd).namespace("full").env())) {
            var client = new ApiClient(daemon.awaitApi(DEADLINE));
            String running = client.startRun("""
                    {"nodes": [{"name": "long", "runtime": "debug",
                                "metadata": {"adagio.arguments.debug.sleep": {"values": ["15s"]}}}]}""");
            Awaitility.await("long node running")
                    .atMost(DEADLINE)
                    .until(
                            () -> client.run(running)
                                    .path("nodes")
                                    .get(0)
                                    .path("status")
                                    .asText(),
                            "RUNNING"::equals);

            // Fill etcd up.
            var started = new ArrayList<String>();
            java.net.http.HttpResponse<String> refused = null;
            for (int i = 0; i < 5000 && refused == null; i++) {
                var r = client.put("/v0/runs", "{\"spec\": " + HEAVY + "}");
                if (r.statusCode() == 200) {
                    started.add(ApiClient.json(r).path("run").path("id").asText());
                } else {
                    refused = r;
                }
            }
            assertThat(refused).as("etcd filled up").isNotNull();
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(507);
            assertThat(ApiClient.json(refused).path("message").asText())
                    .contains(
                            "etcd's database is full",
                            "delete runs",
                            "defrag",
                            "alarm disarm",
                            "--quota-backend-bytes");

            // A client of the original .proto sees RESOURCE_EXHAUSTED with the same message.
            var uri = URI.create(client.baseUrl());
            var channel = ManagedChannelBuilder.forAddress(uri.getHost(), uri.getPort())
                    .usePlaintext()
                    .build();
            try {
                var spec = GraphSpec.newBuilder()
                        .addNodes(Node.Spec.newBuilder().setName("x").setRuntime("debug"))
                        .build();
                assertThatThrownBy(() -> ControlPlaneGrpc.newBlockingStub(channel)
                                .withDeadlineAfter(30, TimeUnit.SECONDS)
                                .start(StartRequest.newBuilder().setSpec(spec).build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                            assertThat(e.getStatus().getDescription()).contains("delete runs");
                        });
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
            Awaitility.await("NOSPACE reported")
                    .atMost(DEADLINE)
                    .until(() -> RetentionEndToEndTest.metric(client, "adagio_etcd_nospace_alarm") == 1);
            assertThat(client.get("/v0/stats").headers().firstValue("adagio-storage-full"))
                    .contains("true");
            daemon.awaitLog("etcd's database is full", DEADLINE);
            // The running node ends meanwhile; the agent keeps trying to record its result.
            daemon.awaitLog("repository full", DEADLINE);
            assertThat(client.run(running).path("status").asText()).isNotEqualTo("COMPLETED");

            // The operator makes room: compact and defragment, disarm, delete runs, again.
            var kv = raw.getKVClient();
            var maintenance = raw.getMaintenanceClient();
            get(kv.compact(get(kv.get(io.etcd.jetcd.ByteSequence.from(new byte[] {0})))
                    .getHeader()
                    .getRevision()));
            for (var url : etcd.clientUrls()) {
                get(maintenance.defragmentMember(url));
            }
            for (var alarm : get(maintenance.listAlarms()).getAlarms()) {
                get(maintenance.alarmDisarm(alarm));
            }
            int deleted = 0;
            for (var id : started) {
                if (client.delete("/v0/runs/" + id).statusCode() == 200) {
                    deleted++;
                }
            }
            assertThat(deleted).isPositive();

            var done = client.awaitCompleted(running, DEADLINE);
            assertThat(done.path("nodes").get(0).path("attempts")).hasSize(1);
            assertThat(done.path("nodes")
                            .get(0)
                            .path("attempts")
                            .get(0)
                            .path("conclusion")
                            .asText())
                    .isEqualTo("SUCCESS");
            assertThat(client.put("/v0/runs", "{\"spec\": " + HEAVY + "}").statusCode())
                    .isEqualTo(200);
            assertThat(daemon.log().lines())
                    .as("no result given up")
                    .noneMatch(l -> l.contains("could not record the result of") && !l.contains("retrying"));
        }
    }
}
