package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.adagio.proto.controlplane.ControlPlaneGrpc;
import io.adagio.proto.controlplane.StartRequest;
import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import io.adagio.wire.GraphSpecJson;
import io.adagio.wire.WireMapping;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every graph in examples/ reaches the conclusions it promises, started over HTTP and over gRPC on
 * a real adagiod. An example without an entry here fails, so new examples get checked.
 */
@ExtendWith(SharedDaemon.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExamplesEndToEndTest {

    /** What a node must end as: its conclusions in order, or a rule for random ones. */
    sealed interface Outcome {
        record Attempts(List<String> conclusions, String outputContains) implements Outcome {}

        /** Random (debug chances): succeeds within {@code max} attempts, or uses them all up. */
        record Flaky(int max) implements Outcome {}

        /** Succeeds once if every node feeding it succeeded, else is unreached. */
        record Downstream(List<String> upstream) implements Outcome {}
    }

    static Outcome once(String conclusion) {
        return new Outcome.Attempts(List.of(conclusion), null);
    }

    static Outcome output(String contains) {
        return new Outcome.Attempts(List.of("SUCCESS"), contains);
    }

    static final Outcome SUCCESS = once("SUCCESS");
    static final Outcome UNREACHED = new Outcome.Attempts(List.of(), null);

    static final Map<String, Map<String, Outcome>> EXPECTED = Map.of(
            "hello.json",
                    Map.of(
                            "a",
                            SUCCESS,
                            "b",
                            SUCCESS,
                            "c",
                            SUCCESS,
                            "d",
                            SUCCESS,
                            "e",
                            SUCCESS,
                            "f",
                            SUCCESS,
                            "g",
                            output("hello from g")),
            "error.json",
                    Map.of(
                            "prepare",
                            SUCCESS,
                            "explode",
                            once("ERROR"),
                            "never-runs",
                            UNREACHED,
                            "independent",
                            SUCCESS),
            "failure.json",
                    Map.of(
                            "a",
                            SUCCESS,
                            "b",
                            SUCCESS,
                            "c",
                            SUCCESS,
                            "d",
                            once("FAIL"),
                            "e",
                            UNREACHED,
                            "f",
                            SUCCESS,
                            "g",
                            UNREACHED),
            "exec-args.json", Map.of("list-root", output("tmp"), "say", output("two words and more")),
            "inputs.json", Map.of("produce", output("value made upstream"), "consume", output("value made upstream")),
            "retry.json",
                    Map.of("attempt", new Outcome.Attempts(List.of("FAIL", "FAIL", "FAIL"), null), "after", UNREACHED),
            "flaky.json",
                    Map.of(
                            "flaky-1",
                            new Outcome.Flaky(10),
                            "flaky-2",
                            new Outcome.Flaky(10),
                            "report",
                            new Outcome.Downstream(List.of("flaky-1", "flaky-2"))),
            "sleep.json", Map.of("quick", SUCCESS, "slow", SUCCESS, "nanos", SUCCESS));

    private ApiClient api;
    private ControlPlaneGrpc.ControlPlaneBlockingStub grpc;

    @BeforeAll
    void connect(SharedDaemon.Running daemon) {
        api = daemon.api();
        grpc = GrpcClients.newClient(api.baseUrl(), ControlPlaneGrpc.ControlPlaneBlockingStub.class);
    }

    static Stream<Path> examples() throws IOException {
        try (var files = Files.list(AdagiodProcess.repositoryRoot().resolve("examples"))) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void exampleReachesItsConclusionsOverHttpAndGrpc(Path example) throws IOException {
        var expected = EXPECTED.get(example.getFileName().toString());
        assertThat(expected)
                .as("expected conclusions for %s (add them to EXPECTED)", example.getFileName())
                .isNotNull();
        String json = Files.readString(example);

        String overHttp = api.startRun(json);
        String overGrpc = grpc.start(StartRequest.newBuilder()
                        .setSpec(WireMapping.toProto(GraphSpecJson.parse(json)))
                        .build())
                .getRun()
                .getId();

        for (String id : List.of(overHttp, overGrpc)) {
            var run = awaitCompleted(id);
            checkOutcomes(run, expected);
        }
    }

    private JsonNode awaitCompleted(String id) {
        return Awaitility.await("run " + id + " completed")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> api.run(id), run -> run.path("status").asText().equals("COMPLETED"));
    }

    static void checkOutcomes(JsonNode run, Map<String, Outcome> expected) {
        var nodes = new java.util.HashMap<String, JsonNode>();
        run.path("nodes").forEach(n -> nodes.put(n.path("spec").path("name").asText(), n));
        assertThat(nodes.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((name, outcome) -> {
            var node = nodes.get(name);
            var conclusions = new ArrayList<String>();
            node.path("attempts")
                    .forEach(a -> conclusions.add(a.path("conclusion").asText("NONE")));
            assertThat(node.path("status").asText()).as("status of %s", name).isEqualTo("COMPLETED");
            switch (outcome) {
                case Outcome.Attempts a -> {
                    assertThat(conclusions)
                            .as("attempts of %s in %s", name, run)
                            .isEqualTo(a.conclusions());
                    if (a.outputContains() != null) {
                        var last = node.path("attempts").get(conclusions.size() - 1);
                        String out = new String(
                                Base64.getDecoder().decode(last.path("output").asText()), StandardCharsets.UTF_8);
                        assertThat(out).as("output of %s", name).contains(a.outputContains());
                    }
                }
                case Outcome.Flaky f -> {
                    assertThat(conclusions)
                            .as("attempts of %s", name)
                            .isNotEmpty()
                            .hasSizeLessThanOrEqualTo(2 * f.max());
                    String last = conclusions.getLast();
                    if (!last.equals("SUCCESS")) {
                        assertThat(conclusions.stream().filter(last::equals).count())
                                .as("%s gave up before using its %d %s attempts: %s", name, f.max(), last, conclusions)
                                .isEqualTo(f.max());
                    }
                    assertThat(conclusions.subList(0, conclusions.size() - 1))
                            .as("only the last attempt of %s succeeds", name)
                            .doesNotContain("SUCCESS");
                }
                case Outcome.Downstream d -> {
                    boolean upstreamOk = d.upstream().stream().allMatch(u -> {
                        var attempts = nodes.get(u).path("attempts");
                        return attempts.size() > 0
                                && attempts.get(attempts.size() - 1)
                                        .path("conclusion")
                                        .asText()
                                        .equals("SUCCESS");
                    });
                    assertThat(conclusions)
                            .as("attempts of %s", name)
                            .isEqualTo(upstreamOk ? List.of("SUCCESS") : List.of());
                }
            }
        });
    }
}
