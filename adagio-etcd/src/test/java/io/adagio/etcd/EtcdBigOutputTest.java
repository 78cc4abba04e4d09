package io.adagio.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.conformance.Follower;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.RunStatus;
import io.adagio.testkit.etcd.EtcdExtension;
import io.etcd.jetcd.api.TxnRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Big outputs on etcd. An output was once copied into the record of every downstream node, so a
 * 900 KB output feeding 8 nodes made a finish of 8 MB, which etcd refused: the node ended as an
 * ERROR. A big output is now stored once and referred to, so such runs succeed; an output no etcd
 * request can carry is recorded as an ERROR attempt that says why, and the node's retry rules apply.
 */
class EtcdBigOutputTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static final byte[] BIG = bytes(900 * 1024);

    private EtcdTestScope scope;
    private EtcdRepository repository;
    private final RequestSizes sizes = new RequestSizes();

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("big-output", ETCD.endpoints());
        repository = scope.closeLater(
                EtcdRepository.connect(EtcdSettings.of(ETCD.endpoints()).withNamespace(scope.namespace), sizes));
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    /** Different bytes at every position, so that a value cut or mixed up shows. */
    private static byte[] bytes(int size) {
        var out = new byte[size];
        for (int i = 0; i < size; i++) {
            out[i] = (byte) (i * 31 + (i >> 8));
        }
        return out;
    }

    private static GraphSpec fanOut(int downstream, Map<String, RetryRule> retry) {
        var specs = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        specs.add(new NodeSpec("big", "debug", Map.of(), retry));
        for (int i = 0; i < downstream; i++) {
            specs.add(new NodeSpec("d" + i, "debug"));
            edges.add(new Edge("big", "d" + i));
        }
        return new GraphSpec(specs, edges);
    }

    private Claim claim(String runId, String node) {
        var claim = new Claim("c-" + UUID.randomUUID());
        assertThat(repository.claimNode(runId, node, claim).claimed()).isTrue();
        return claim;
    }

    /** Claims every downstream node (each must be handed the output) and finishes it. */
    private void everyDownstreamReceives(String runId, int downstream, byte[] output) {
        for (int i = 0; i < downstream; i++) {
            var claim = new Claim("c-" + UUID.randomUUID());
            var claimed = repository.claimNode(runId, "d" + i, claim);
            assertThat(claimed.claimed()).isTrue();
            assertThat(claimed.node().inputs().get("big")).as("d%d's input", i).isEqualTo(output);
            var finished = repository.finishNode(runId, "d" + i, Result.success("ok"), claim);
            assertThat(finished.inputs().get("big")).isEqualTo(output);
        }
    }

    @Test
    void a900KbOutputFeedingEightNodesIsRecordedOnceAndDeliveredToEach() {
        int downstream = 8;
        var run = repository.startRun(fanOut(downstream, Map.of()));
        var claim = claim(run.id(), "big");
        sizes.max.set(0);
        var big = repository.finishNode(run.id(), "big", new Result(Conclusion.SUCCESS, Map.of(), BIG), claim);

        assertThat(big.attempts().getLast().output()).isEqualTo(BIG);
        // The finish carried the output once, not once per downstream node.
        assertThat(sizes.max.get()).isBetween((long) BIG.length, BIG.length + 64L * 1024);
        var after = repository.inspectRun(run.id());
        assertThat(after.node("big").orElseThrow().conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(after.nodes().stream().filter(n -> n.status() == NodeStatus.READY))
                .hasSize(downstream)
                .allSatisfy(n -> assertThat(n.inputs().get("big")).isEqualTo(BIG));

        everyDownstreamReceives(run.id(), downstream, BIG);
        var done = repository.inspectRun(run.id());
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(done.node("big").orElseThrow().attempts().getLast().output()).isEqualTo(BIG);
    }

    @Test
    void aBigOutputFeedingMoreNodesThanOneTransactionHoldsIsDeliveredThroughTheJournal() {
        // 70 downstream nodes take more operations than one transaction holds (128 by default).
        int downstream = 70;
        var run = repository.startRun(fanOut(downstream, Map.of()));
        var claim = claim(run.id(), "big");
        repository.finishNode(run.id(), "big", new Result(Conclusion.SUCCESS, Map.of(), BIG), claim);
        everyDownstreamReceives(run.id(), downstream, BIG);
        assertThat(repository.inspectRun(run.id()).conclusion()).isEqualTo(Conclusion.SUCCESS);
    }

    @Test
    void anOutputTooBigForOneRequestIsAnErrorAttemptThatSaysWhyAndTheRetryRuleApplies() {
        var tooBig = bytes(3 * 1024 * 1024 + 200 * 1024);
        var run = repository.startRun(fanOut(2, Map.of("error", RetryRule.maxAttempts(2))));
        for (int attempt = 1; attempt <= 2; attempt++) {
            var claim = claim(run.id(), "big");
            repository.finishNode(run.id(), "big", new Result(Conclusion.SUCCESS, Map.of(), tooBig), claim);
            var big = repository.inspectRun(run.id()).node("big").orElseThrow();
            assertThat(big.attempts()).hasSize(attempt);
            assertThat(big.attempts().getLast().conclusion()).isEqualTo(Conclusion.ERROR);
            assertThat(new String(big.attempts().getLast().output(), StandardCharsets.UTF_8))
                    .contains("output of 3.2 MiB exceeds the backend's limit of 1.0 MiB");
            // The first ERROR is retried (max_attempts 2), the second is final.
            assertThat(big.status()).isEqualTo(attempt == 1 ? NodeStatus.READY : NodeStatus.COMPLETED);
        }
        var done = repository.inspectRun(run.id());
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(done.nodes()).allSatisfy(n -> assertThat(n.status()).isEqualTo(NodeStatus.COMPLETED));
    }

    @Test
    void anOutputAtTheLimitIsRecorded() {
        var atLimit = bytes(OversizeResult.MAX_OUTPUT_BYTES);
        var run = repository.startRun(fanOut(8, Map.of()));
        var claim = claim(run.id(), "big");
        repository.finishNode(run.id(), "big", new Result(Conclusion.SUCCESS, Map.of(), atLimit), claim);
        assertThat(repository.inspectRun(run.id()).node("big").orElseThrow().conclusion())
                .isEqualTo(Conclusion.SUCCESS);
        everyDownstreamReceives(run.id(), 8, atLimit);
    }

    @Test
    void earlierAttemptsKeepTheirBigOutputsAndARerunHandsTheBigOutputOnAgain() {
        var failed = bytes(200 * 1024);
        var run = repository.startRun(new GraphSpec(
                List.of(
                        new NodeSpec("big", "debug"),
                        new NodeSpec("d", "debug", Map.of(), Map.of("fail", RetryRule.maxAttempts(2)))),
                List.of(new Edge("big", "d"))));
        repository.finishNode(run.id(), "big", new Result(Conclusion.SUCCESS, Map.of(), BIG), claim(run.id(), "big"));
        repository.finishNode(run.id(), "d", new Result(Conclusion.FAIL, Map.of(), failed), claim(run.id(), "d"));
        // The retry's claim shows the earlier attempt's output and the input.
        var retry = new Claim("retry");
        var claimed = repository.claimNode(run.id(), "d", retry);
        assertThat(claimed.node().attempts().getFirst().output()).isEqualTo(failed);
        assertThat(claimed.node().inputs().get("big")).isEqualTo(BIG);
        repository.finishNode(run.id(), "d", new Result(Conclusion.FAIL, Map.of(), bytes(5000)), retry);
        assertThat(repository.inspectRun(run.id()).conclusion()).isEqualTo(Conclusion.FAIL);

        repository.rerunRun(run.id());
        var again = repository.claimNode(run.id(), "d", new Claim("again"));
        assertThat(again.claimed()).isTrue();
        assertThat(again.node().inputs().get("big")).isEqualTo(BIG);
        assertThat(again.node().attempts()).extracting(Result::output).containsExactly(failed, bytes(5000));
    }

    @Test
    void aWideFanInReceivesBigOutputs() {
        // More upstream nodes than EtcdStorage.WIDE_FAN_IN: inputs arrive under keys of their own.
        var specs = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        specs.add(new NodeSpec("sink", "debug"));
        for (int i = 0; i < 10; i++) {
            specs.add(new NodeSpec("up" + i, "debug"));
            edges.add(new Edge("up" + i, "sink"));
        }
        var run = repository.startRun(new GraphSpec(specs, edges));
        for (int i = 0; i < 10; i++) {
            var output = i % 2 == 0 ? bytes(100 * 1024 + i) : ("small " + i).getBytes(StandardCharsets.UTF_8);
            repository.finishNode(
                    run.id(), "up" + i, new Result(Conclusion.SUCCESS, Map.of(), output), claim(run.id(), "up" + i));
        }
        var sink = repository.claimNode(run.id(), "sink", new Claim("sink"));
        assertThat(sink.claimed()).isTrue();
        for (int i = 0; i < 10; i++) {
            var expected = i % 2 == 0 ? bytes(100 * 1024 + i) : ("small " + i).getBytes(StandardCharsets.UTF_8);
            assertThat(sink.node().inputs().get("up" + i))
                    .as("input from up%d", i)
                    .isEqualTo(expected);
        }
    }

    @Test
    void aWatcherSeesTheBigOutputs() {
        var watching = scope.closeLater(
                EtcdRepository.connect(EtcdSettings.of(ETCD.endpoints()).withNamespace(scope.namespace)));
        var run = repository.startRun(fanOut(2, Map.of()));
        try (var follower = new Follower(watching, run.id(), 0, null, Duration.ofSeconds(30))) {
            follower.next();
            repository.finishNode(
                    run.id(), "big", new Result(Conclusion.SUCCESS, Map.of(), BIG), claim(run.id(), "big"));
            everyDownstreamReceives(run.id(), 2, BIG);
            follower.untilCompleted();
            var nodes = follower.nodes();
            assertThat(nodes).isEqualTo(repository.inspectRun(run.id()).nodes());
            assertThat(nodes)
                    .filteredOn(n -> n.name().startsWith("d"))
                    .allSatisfy(n -> assertThat(n.inputs().get("big")).isEqualTo(BIG));
        }
        // A watch that starts late reads the run, outputs and all.
        try (var late = new Follower(watching, run.id(), 0, null, Duration.ofSeconds(30))) {
            late.next();
            assertThat(late.nodes()).isEqualTo(repository.inspectRun(run.id()).nodes());
            assertThat(Arrays.equals(
                            late.nodes().getFirst().attempts().getLast().output(), BIG))
                    .isTrue();
        }
    }

    /** The size of the biggest transaction sent since {@code max} was last reset. */
    static final class RequestSizes extends TxnInterceptor {
        final AtomicLong max = new AtomicLong();

        @Override
        Cut beforeSending(TxnRequest t) {
            max.accumulateAndGet(t.getSerializedSize(), Math::max);
            return null;
        }
    }
}
