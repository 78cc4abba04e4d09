package io.adagio.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.protocol.Timestamps;
import io.adagio.core.repository.ClaimResult;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.Subscription;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.awaitility.core.ThrowingRunnable;

/**
 * What the conformance tests share: the repository under test, the backend's way to orphan a claim,
 * and helpers that drive and check it. {@link RepositoryConformanceSuite} supplies the first two;
 * the contract interfaces hold the tests.
 */
public interface ConformanceSupport {
    /** How long anything asynchronous (events, orphaning, agent lists) may take. */
    Duration DEADLINE = Duration.ofSeconds(30);

    Set<Event.Type> READY_EVENTS = Collections.unmodifiableSet(EnumSet.of(Event.Type.NODE_READY));
    Set<Event.Type> ALL_EVENTS = Collections.unmodifiableSet(EnumSet.allOf(Event.Type.class));

    /** The repository under test: fresh and empty at the start of each test. */
    Repository repository();

    /** The clock the repository under test reads; a test moves it on instead of sleeping. */
    TestClock clock();

    /** Makes the holder of {@code claim} lose its liveness, as if its agent had died. */
    void orphan(Repository repository, String runId, String node, Claim claim);

    /** Closes the subscription when the test ends. */
    Subscription closeAfterTest(Subscription subscription);

    /** Subscribes an agent with the debug and exec runtimes; closed after the test. */
    default Inbox subscribe(String agentId, Set<Event.Type> types) {
        var subscription = closeAfterTest(repository().subscribe(new Agent(agentId, List.of("debug", "exec")), types));
        return new Inbox(subscription, DEADLINE);
    }

    default Claim newClaim() {
        return new Claim("claim-" + UUID.randomUUID());
    }

    /** Claims the node with a new claim, which must win. */
    default Claim claim(String runId, String node) {
        var claim = newClaim();
        ClaimResult result = repository().claimNode(runId, node, claim);
        assertThat(result.claimed()).as("claim of %s won", node).isTrue();
        assertThat(result.orphanRecovery()).isFalse();
        assertThat(result.node().status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(result.node().claim().id()).isEqualTo(claim.id());
        assertThat(result.node().startedAt()).isNotNull();
        return claim;
    }

    default Node finish(String runId, String node, Result result, Claim claim) {
        return repository().finishNode(runId, node, result, claim);
    }

    default Node inspectNode(String runId, String name) {
        return repository().inspectRun(runId).node(name).orElseThrow();
    }

    default void orphanAndAwait(String runId, String node, Claim claim) {
        orphan(repository(), runId, node, claim);
        eventually(() -> assertThat(inspectNode(runId, node).status())
                .as("%s orphaned", node)
                .isEqualTo(NodeStatus.NONE));
    }

    default void assertNotReady(String runId, String... nodes) {
        for (var n : nodes) {
            assertThatThrownBy(() -> repository().claimNode(runId, n, newClaim()))
                    .as("claim of %s", n)
                    .isInstanceOf(RepositoryException.NotReady.class)
                    .hasMessageContaining(n);
            assertThat(inspectNode(runId, n).status()).isEqualTo(NodeStatus.WAITING);
            assertThat(inspectNode(runId, n).claim()).isNull();
        }
    }

    default void assertStatuses(String runId, Map<String, NodeStatus> expected) {
        var actual = new HashMap<String, NodeStatus>();
        repository().inspectRun(runId).nodes().forEach(n -> actual.put(n.name(), n.status()));
        assertThat(actual).isEqualTo(expected);
    }

    default void assertInputs(String runId, String node, Map<String, String> expected) {
        assertThat(text(inspectNode(runId, node).inputs()))
                .as("inputs of %s", node)
                .isEqualTo(expected);
    }

    default Map<String, String> text(Map<String, byte[]> inputs) {
        var out = new HashMap<String, String>();
        inputs.forEach((k, v) -> out.put(k, new String(v, StandardCharsets.UTF_8)));
        return out;
    }

    /** Claims and succeeds ready nodes until the run is complete, as one agent would. */
    default void driveToCompletion(String runId) {
        for (int guard = 0; guard < 1000; guard++) {
            var run = repository().inspectRun(runId);
            if (run.status() == RunStatus.COMPLETED) {
                return;
            }
            for (var n : run.nodes()) {
                if (n.status() == NodeStatus.READY) {
                    var claim = newClaim();
                    if (repository().claimNode(runId, n.name(), claim).claimed()) {
                        repository().finishNode(runId, n.name(), Result.success(n.name()), claim);
                    }
                }
            }
        }
        throw new AssertionError("run " + runId + " did not complete");
    }

    default List<String> startRuns(int count) {
        var ids = new ArrayList<String>();
        for (int i = 0; i < count; i++) {
            ids.add(repository()
                    .startRun(Graphs.graph(List.of(Graphs.node("only"))))
                    .id());
        }
        return ids;
    }

    default long createdNs(String runId) {
        return Timestamps.toNanos(repository().inspectRun(runId).createdAt());
    }

    default List<String> reversed(List<String> list) {
        var copy = new ArrayList<>(list);
        Collections.reverse(copy);
        return copy;
    }

    /** Waits until the assertion holds, up to {@link #DEADLINE}. */
    default void eventually(ThrowingRunnable assertion) {
        Awaitility.await()
                .atMost(DEADLINE)
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(5))
                .untilAsserted(assertion);
    }
}
