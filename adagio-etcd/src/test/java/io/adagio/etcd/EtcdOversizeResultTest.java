package io.adagio.etcd;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A result too big for one etcd request (900 KB of output copied to 8 downstream nodes) once made
 * etcd refuse the finish on every try, so the node stayed RUNNING and its run never completed. It is
 * now recorded as an ERROR attempt that says why, the node's retry rules apply, and the run completes.
 */
class EtcdOversizeResultTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    private static final int DOWNSTREAM = 8;
    private static final String BIG = "x".repeat(900 * 1024);

    private EtcdTestScope scope;
    private EtcdRepository repository;

    @BeforeEach
    void setUp() {
        scope = new EtcdTestScope("oversize", ETCD.endpoints());
        repository = EtcdRepository.connect(EtcdSettings.of(ETCD.endpoints()).withNamespace(scope.namespace));
        scope.closeLater(repository);
    }

    @AfterEach
    void closeAll() throws Exception {
        scope.close();
    }

    private static GraphSpec bigFanOut(Map<String, RetryRule> retry) {
        var specs = new ArrayList<NodeSpec>();
        var edges = new ArrayList<Edge>();
        specs.add(new NodeSpec("big", "debug", Map.of(), retry));
        for (int i = 0; i < DOWNSTREAM; i++) {
            specs.add(new NodeSpec("d" + i, "debug"));
            edges.add(new Edge("big", "d" + i));
        }
        return new GraphSpec(specs, edges);
    }

    @Test
    void aResultTooBigToRecordIsAnErrorAttemptThatSaysWhyAndTheRetryRuleApplies() {
        var run = repository.startRun(bigFanOut(Map.of("error", RetryRule.maxAttempts(2))));
        for (int attempt = 1; attempt <= 2; attempt++) {
            var claim = new Claim("c" + attempt);
            assertThat(repository.claimNode(run.id(), "big", claim).claimed()).isTrue();
            repository.finishNode(run.id(), "big", Result.success(BIG), claim);
            var big = repository.inspectRun(run.id()).node("big").orElseThrow();
            assertThat(big.attempts()).hasSize(attempt);
            assertThat(big.attempts().getLast().conclusion()).isEqualTo(Conclusion.ERROR);
            assertThat(new String(big.attempts().getLast().output(), StandardCharsets.UTF_8))
                    .contains("could not be recorded", "900.0 KiB", DOWNSTREAM + " downstream nodes")
                    .contains("exceeds the backend's limit");
            // The first ERROR is retried (max_attempts 2), the second is final.
            assertThat(big.status()).isEqualTo(attempt == 1 ? NodeStatus.READY : NodeStatus.COMPLETED);
        }
        var done = repository.inspectRun(run.id());
        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(done.nodes()).allSatisfy(n -> assertThat(n.status()).isEqualTo(NodeStatus.COMPLETED));
    }

    @Test
    void aBigResultThatFitsIsRecordedAndDelivered() {
        // 300 KiB written three times (the node's record, one downstream record and its ready entry) fits.
        String fits = "y".repeat(300 * 1024);
        var run = repository.startRun(new GraphSpec(
                List.of(new NodeSpec("big", "debug"), new NodeSpec("d", "debug")), List.of(new Edge("big", "d"))));
        var claim = new Claim("c");
        assertThat(repository.claimNode(run.id(), "big", claim).claimed()).isTrue();
        repository.finishNode(run.id(), "big", Result.success(fits), claim);
        var after = repository.inspectRun(run.id());
        assertThat(after.node("big").orElseThrow().conclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(after.node("d").orElseThrow().inputs().get("big")).hasSize(fits.length());
    }
}
