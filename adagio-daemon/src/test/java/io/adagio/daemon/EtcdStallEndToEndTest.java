package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.proto.GraphSpec;
import io.adagio.proto.Node;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.InspectRequest;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.proto.controlplane.StatsRequest;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import io.adagio.testkit.etcd.EtcdBackend;
import io.adagio.testkit.etcd.EtcdCluster;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a client sees while etcd stalls (issue 13, finding 3: a paused member once made API calls
 * time out in the server and answer 500). A real adagiod on a real etcd that this test started; the
 * etcd process is frozen with SIGSTOP (by its own pid) and kept frozen until every call made during
 * the stall has been answered. Each HTTP answer must be 503 with {@code Retry-After} (or a success),
 * never a 500; each gRPC call UNAVAILABLE (or OK); and once etcd goes on, the daemon serves and
 * completes runs again without a restart.
 */
class EtcdStallEndToEndTest {
    private static final String SPEC = "{\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\"},"
            + " {\"name\": \"b\", \"runtime\": \"debug\"}], \"edges\": [{\"source\": \"a\", \"destination\": \"b\"}]}";
    /** Longer than every deadline on the server's side, so that the server's answer is the one seen. */
    private static final Duration CLIENT_PATIENCE = Duration.ofSeconds(90);

    private record Answer(String call, String outcome, boolean acceptable, boolean unavailable) {}

    @Test
    void duringAStallCallsAreUnavailableNever500AndTheDaemonRecovers() throws Exception {
        try (var etcd = EtcdCluster.start(1);
                var daemon = AdagiodProcess.start(
                        List.of("-listen", "127.0.0.1:0", "-agent-count", "2"),
                        EtcdBackend.of(etcd).namespace("stall").env())) {
            var api = new ApiClient(daemon.awaitApi(Duration.ofSeconds(90)));
            String before = api.startRun(SPEC);
            api.awaitCompleted(before, Duration.ofSeconds(60));
            var uri = URI.create(api.baseUrl());
            var channel = ManagedChannelBuilder.forAddress(uri.getHost(), uri.getPort())
                    .usePlaintext()
                    .build();
            var http =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            var grpc = ControlPlaneGrpc.newBlockingStub(channel);
            var spec = GraphSpec.newBuilder()
                    .addNodes(Node.Spec.newBuilder().setName("g").setRuntime("debug"))
                    .build();

            var calls = new ArrayList<Callable<Answer>>();
            calls.add(() -> httpCall(http, api, "GET", "/v0/runs/" + before, null));
            calls.add(() -> httpCall(http, api, "GET", "/v0/runs", null));
            calls.add(() -> httpCall(http, api, "GET", "/v0/stats", null));
            calls.add(() -> httpCall(http, api, "PUT", "/v0/runs", "{\"spec\": " + SPEC + "}"));
            calls.add(() -> grpcCall("Stats", () -> grpc.stats(StatsRequest.getDefaultInstance())));
            calls.add(() -> grpcCall(
                    "Inspect",
                    () -> grpc.inspect(InspectRequest.newBuilder().setId(before).build())));
            calls.add(() -> grpcCall(
                    "Start",
                    () -> grpc.start(StartRequest.newBuilder().setSpec(spec).build())));

            var answers = new ArrayList<Answer>();
            etcd.pause(0);
            try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
                var futures = new ArrayList<Future<Answer>>();
                for (var call : calls) {
                    futures.add(threads.submit(call));
                }
                // etcd stays frozen until every call made during the stall has its answer.
                for (var future : futures) {
                    answers.add(future.get(CLIENT_PATIENCE.toSeconds() + 30, TimeUnit.SECONDS));
                }
            } finally {
                etcd.resume(0);
                channel.shutdownNow();
            }

            answers.forEach(a -> System.out.println("stall: " + a.call() + " -> " + a.outcome()));
            assertThat(answers)
                    .as("answers during the stall (log:%n%s)", daemon.stderr())
                    .allMatch(Answer::acceptable);
            // Not a test that passes without a stall: with etcd frozen, calls that need it are refused.
            assertThat(answers.stream().filter(a -> a.call().startsWith("HTTP")))
                    .anyMatch(Answer::unavailable);
            assertThat(answers.stream().filter(a -> a.call().startsWith("gRPC")))
                    .anyMatch(Answer::unavailable);

            // Recovered: it serves and completes runs again, without a restart.
            String after = api.startRun(SPEC);
            api.awaitCompleted(after, Duration.ofSeconds(90));
            assertThat(api.get("/v0/stats").statusCode()).isEqualTo(200);
            assertThat(daemon.isAlive()).isTrue();
            assertThat(daemon.stderr()).doesNotContain("\tat ").doesNotContain(" ERROR ");
        }
    }

    /** A 503 must say when to come back; any other answer must be a success. */
    private static Answer httpCall(HttpClient http, ApiClient api, String method, String path, String json)
            throws Exception {
        var request = HttpRequest.newBuilder(api.uri(path))
                .timeout(CLIENT_PATIENCE)
                .header("content-type", "application/json")
                .method(
                        method,
                        json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        var retryAfter = response.headers().firstValue("retry-after");
        boolean unavailable = status == 503 && retryAfter.isPresent();
        String outcome = status + retryAfter.map(r -> " Retry-After: " + r).orElse("") + " " + response.body();
        return new Answer(
                "HTTP " + method + " " + path, outcome, unavailable || (status >= 200 && status < 300), unavailable);
    }

    private static Answer grpcCall(String method, Runnable call) {
        Status status;
        try {
            call.run();
            status = Status.OK;
        } catch (io.grpc.StatusRuntimeException e) {
            status = e.getStatus();
        }
        boolean unavailable = status.getCode() == Status.Code.UNAVAILABLE;
        return new Answer(
                "gRPC " + method,
                status.getCode() + ": " + status.getDescription(),
                unavailable || status.isOk(),
                unavailable);
    }
}
