package io.adagio.daemon;

import static io.adagio.daemon.RunJson.alive;
import static io.adagio.daemon.RunJson.conclusions;
import static io.adagio.daemon.RunJson.debug;
import static io.adagio.daemon.RunJson.edge;
import static io.adagio.daemon.RunJson.exec;
import static io.adagio.daemon.RunJson.node;
import static io.adagio.daemon.RunJson.output;
import static io.adagio.daemon.RunJson.pid;
import static io.adagio.daemon.RunJson.sleeper;
import static io.adagio.daemon.RunJson.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import io.adagio.proto.controlplane.CancelRequest;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.RerunRequest;
import io.adagio.testkit.ApiClient;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Run control on a real adagiod (memory backend): cancel, node timeouts, retry backoff, rerun from
 * failure and the run's conclusion, through the HTTP/JSON routes and through a gRPC client generated
 * from this project's .proto (plain grpc-java, none of Adagio's client code).
 */
@ExtendWith(SharedDaemon.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunControlEndToEndTest {
    /**
     * How long a cancel may take to stop a running program and complete the run here: far below the
     * program's own 60 s, so only the cancel can have stopped it, yet generous for a loaded CI
     * machine. How fast it is on a quiet one (well under the 2 s users expect) is a figure to
     * measure, not a limit for a test to assert.
     */
    static final Duration CANCEL_DEADLINE = Duration.ofSeconds(20);

    private static final Duration RUN_DEADLINE = Duration.ofSeconds(60);

    /** How a test talks to the API: the HTTP/JSON routes or gRPC. */
    enum Via {
        HTTP,
        GRPC
    }

    @TempDir
    Path dir;

    private ApiClient api;
    private ManagedChannel channel;
    private ControlPlaneGrpc.ControlPlaneBlockingStub grpc;

    @BeforeAll
    void connect(SharedDaemon.Running daemon) {
        api = daemon.api();
        var uri = URI.create(api.baseUrl());
        channel = ManagedChannelBuilder.forAddress(uri.getHost(), uri.getPort())
                .usePlaintext()
                .build();
        grpc = ControlPlaneGrpc.newBlockingStub(channel);
    }

    @AfterAll
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "through {0}")
    @EnumSource(Via.class)
    void cancelStopsTheRunningProgramAndCompletesTheRunAsCancelled(Via via) throws Exception {
        Path pidFile = dir.resolve("sleep-" + via + ".pid");
        String id = api.startRun(spec(
                List.of(sleeper("sleeper", pidFile, 60), debug("after", "success", ""), debug("last", "success", "")),
                List.of(edge("sleeper", "after"), edge("after", "last"))));
        long pid = await("the sleep program started")
                .atMost(RUN_DEADLINE)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> pid(pidFile), p -> p.isPresent())
                .getAsLong();
        assertThat(alive(pid)).isTrue();

        JsonNode answered = cancel(via, id);
        assertThat(answered.path("id").asText()).isEqualTo(id);

        JsonNode run = await("sleep " + pid + " gone and run " + id + " completed")
                .atMost(CANCEL_DEADLINE)
                .pollInterval(Duration.ofMillis(25))
                .until(() -> api.run(id), r -> !alive(pid) && isCompleted(r));
        assertThat(run.path("conclusion").asText()).isEqualTo("CANCELLED");
        var sleeper = node(run, "sleeper");
        assertThat(conclusions(sleeper)).containsExactly("CANCELLED");
        assertThat(sleeper.path("conclusion").asText()).isEqualTo("CANCELLED");
        for (String name : List.of("after", "last")) {
            var node = node(run, name);
            assertThat(node.path("status").asText()).as(name).isEqualTo("COMPLETED");
            assertThat(node.path("conclusion").asText()).as(name).isEqualTo("CANCELLED");
            assertThat(node.path("attempts")).as(name).isEmpty();
        }

        // Nothing of it runs afterwards, and cancelling again answers the run as it is.
        await("run " + id + " stays as cancelled")
                .during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(5))
                .until(() -> api.run(id), run::equals);
        assertThat(cancel(via, id)).isEqualTo(run);
    }

    @ParameterizedTest(name = "through {0}")
    @EnumSource(Via.class)
    void cancellingACompletedRunChangesNothing(Via via) {
        String id = api.startRun(spec(List.of(debug("only", "success", "")), List.of()));
        JsonNode done = api.awaitCompleted(id, RUN_DEADLINE);
        assertThat(done.path("conclusion").asText()).isEqualTo("SUCCESS");

        assertThat(cancel(via, id)).isEqualTo(done);
        assertThat(api.run(id)).isEqualTo(done);
    }

    @Test
    void unknownRunsAre404AndNotFound() {
        String unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
        for (String action : List.of("cancel", "rerun")) {
            var response = api.post("/v0/runs/" + unknown + "/" + action, "{}");
            assertThat(response.statusCode())
                    .as(action + ": " + response.body())
                    .isEqualTo(404);
            assertThat(ApiClient.json(response).path("message").asText()).contains(unknown);
        }
        assertThatThrownBy(() ->
                        grpc.cancel(CancelRequest.newBuilder().setId(unknown).build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() ->
                        grpc.rerun(RerunRequest.newBuilder().setId(unknown).build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void aRunNotCompletedCannotBeRerun() throws Exception {
        Path pidFile = dir.resolve("not-completed.pid");
        String id = api.startRun(spec(List.of(sleeper("sleeper", pidFile, 60)), List.of()));
        await().atMost(RUN_DEADLINE).until(() -> pid(pidFile).isPresent());

        var response = api.post("/v0/runs/" + id + "/rerun", "{}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
        assertThat(ApiClient.json(response).path("message").asText()).contains(id);
        assertThatThrownBy(() -> grpc.rerun(RerunRequest.newBuilder().setId(id).build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
        assertThat(node(api.run(id), "sleeper").path("status").asText()).isEqualTo("RUNNING");

        cancel(Via.HTTP, id);
        api.awaitCompleted(id, RUN_DEADLINE);
    }

    @Test
    void aTimedOutAttemptIsAnErrorAndTheErrorRuleRetriesIt() {
        String id = api.startRun(spec(
                List.of(exec(
                        "slow", "\"timeout\": \"1s\", \"retry\": {\"error\": {\"max_attempts\": 2}}", "sleep", "30")),
                List.of()));
        JsonNode run = api.awaitCompleted(id, RUN_DEADLINE);

        assertThat(run.path("conclusion").asText()).isEqualTo("ERROR");
        var slow = node(run, "slow");
        assertThat(conclusions(slow)).containsExactly("ERROR", "ERROR");
        for (var attempt : slow.path("attempts")) {
            assertThat(RunJson.took(attempt)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(output(attempt)).contains("timed out after 1s");
        }
    }

    @Test
    void backoffSpacesTheAttemptsOfARetriedNode() {
        String id = api.startRun(spec(
                List.of(debug(
                        "flaky",
                        "fail",
                        "\"retry\": {\"fail\": {\"max_attempts\": 3,"
                                + " \"backoff\": {\"initial\": \"500ms\", \"multiplier\": 2}}}")),
                List.of()));
        JsonNode run = api.awaitCompleted(id, RUN_DEADLINE);

        assertThat(run.path("conclusion").asText()).isEqualTo("FAIL");
        var attempts = node(run, "flaky").path("attempts");
        assertThat(conclusions(node(run, "flaky"))).containsExactly("FAIL", "FAIL", "FAIL");
        assertThat(RunJson.gap(attempts.get(0), attempts.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(RunJson.gap(attempts.get(1), attempts.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
        for (var attempt : attempts) {
            assertThat(attempt.path("agent_id").asText()).isNotEmpty();
        }
        assertThat(node(run, "flaky").path("not_before").asText()).isEmpty();
    }

    @ParameterizedTest(name = "through {0}")
    @EnumSource(Via.class)
    void rerunCompletesAFailedRunOnceItsCauseIsFixed(Via via) throws Exception {
        Path cause = dir.resolve("fixed-" + via);
        String id = api.startRun(spec(
                List.of(
                        exec("a", "", "echo", "alpha"),
                        exec("b", "", "echo", "beta"),
                        exec("c", "", "echo", "gamma"),
                        exec("d", "", "cat", cause.toString()),
                        debug("e", "success", "")),
                List.of(edge("a", "c"), edge("b", "d"), edge("c", "d"), edge("d", "e"))));
        JsonNode failed = api.awaitCompleted(id, RUN_DEADLINE);
        assertThat(failed.path("conclusion").asText()).isEqualTo("FAIL");
        assertThat(conclusions(node(failed, "d"))).containsExactly("FAIL");
        assertThat(node(failed, "e").path("conclusion").asText()).isEqualTo("NONE");

        Files.writeString(cause, "fixed now\n");
        JsonNode answered = rerun(via, id);
        assertThat(answered.path("id").asText()).isEqualTo(id);
        assertThat(answered.path("status").asText()).isNotEqualTo("COMPLETED");
        JsonNode done = api.awaitCompleted(id, RUN_DEADLINE);

        assertThat(done.path("conclusion").asText()).isEqualTo("SUCCESS");
        for (String name : List.of("a", "b", "c")) {
            // The successful nodes keep their single attempt, output and times.
            assertThat(node(done, name)).as(name).isEqualTo(node(failed, name));
        }
        var d = node(done, "d");
        assertThat(d.path("conclusion").asText()).isEqualTo("SUCCESS");
        assertThat(conclusions(d)).last().isEqualTo("SUCCESS");
        assertThat(output(d.path("attempts").get(d.path("attempts").size() - 1)))
                .contains("fixed now");
        assertThat(conclusions(node(done, "e"))).containsExactly("SUCCESS");
    }

    @Test
    void runAndNodeConclusionsAndAttemptDetails() {
        String id = api.startRun(spec(
                List.of(
                        debug("ok", "success", ""),
                        debug("broken", "error", ""),
                        debug("failing", "fail", ""),
                        debug("unreached", "success", "")),
                List.of(edge("failing", "unreached"))));
        JsonNode run = api.awaitCompleted(id, RUN_DEADLINE);

        // ERROR before FAIL.
        assertThat(run.path("conclusion").asText()).isEqualTo("ERROR");
        assertThat(node(run, "ok").path("conclusion").asText()).isEqualTo("SUCCESS");
        assertThat(node(run, "broken").path("conclusion").asText()).isEqualTo("ERROR");
        assertThat(node(run, "failing").path("conclusion").asText()).isEqualTo("FAIL");
        var attempt = node(run, "ok").path("attempts").get(0);
        assertThat(attempt.path("agent_id").asText()).isNotEmpty();
        assertThat(RunJson.time(attempt, "finished_at")).isAfterOrEqualTo(RunJson.time(attempt, "started_at"));

        // Unreached: no conclusion, no attempt, and started_at = finished_at = when it was marked.
        var unreached = node(run, "unreached");
        assertThat(unreached.path("conclusion").asText()).isEqualTo("NONE");
        assertThat(unreached.path("attempts")).isEmpty();
        assertThat(unreached.path("started_at").asText())
                .isNotEmpty()
                .isEqualTo(unreached.path("finished_at").asText());
        assertThat(RunJson.time(unreached, "finished_at"))
                .isAfterOrEqualTo(Instant.parse(run.path("created_at").asText()));
    }

    private JsonNode cancel(Via via, String id) {
        return switch (via) {
            case HTTP -> okRun(api.post("/v0/runs/" + id + "/cancel", "{}"));
            case GRPC ->
                json(grpc.withDeadlineAfter(30, TimeUnit.SECONDS)
                        .cancel(CancelRequest.newBuilder().setId(id).build())
                        .getRun());
        };
    }

    private JsonNode rerun(Via via, String id) {
        return switch (via) {
            case HTTP -> okRun(api.post("/v0/runs/" + id + "/rerun", "{}"));
            case GRPC ->
                json(grpc.withDeadlineAfter(30, TimeUnit.SECONDS)
                        .rerun(RerunRequest.newBuilder().setId(id).build())
                        .getRun());
        };
    }

    private static JsonNode okRun(java.net.http.HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return ApiClient.json(response).path("run");
    }

    /** A run from gRPC as the HTTP routes would show it, to compare the two. */
    private static JsonNode json(io.adagio.proto.Run run) {
        try {
            return new ObjectMapper()
                    .readTree(JsonFormat.printer()
                            .preservingProtoFieldNames()
                            .includingDefaultValueFields()
                            .print(run));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean isCompleted(JsonNode run) {
        return run.path("status").asText().equals("COMPLETED");
    }
}
