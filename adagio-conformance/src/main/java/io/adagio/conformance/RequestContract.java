package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.Stats;
import io.adagio.core.repository.RepositoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Requests refused before any state changes, the same way by every backend: invalid or oversized
 * specs, agent and claim ids outside their syntax ({@code [A-Za-z0-9._:@-]}, 1-253 characters),
 * run ids and node names that could not exist, results without a conclusion, and calls on a
 * closed repository.
 */
public interface RequestContract extends ConformanceSupport {
    @Test
    default void aRejectedSpecChangesNothingAndNamesEveryProblem() {
        var inbox = subscribe("agent-1", ALL_EVENTS);
        var statsBefore = repository().stats();
        var bad = graph(List.of(node("a"), node("b"), node("c"), node("a")), "a->b", "b->c", "c->b", "a->ghost");

        assertThatThrownBy(() -> repository().startRun(bad))
                .isInstanceOfSatisfying(
                        RepositoryException.InvalidSpec.class,
                        e -> assertThat(e.problems())
                                .anySatisfy(p -> assertThat(p).contains("\"a\"").contains("duplicate"))
                                .anySatisfy(p -> assertThat(p).contains("ghost"))
                                .anySatisfy(p ->
                                        assertThat(p).contains("cycle").containsAnyOf("b -> c -> b", "c -> b -> c")));
        assertThatThrownBy(() -> repository().startRun(new GraphSpec(List.of(), List.of())))
                .isInstanceOf(RepositoryException.InvalidSpec.class);

        assertThat(repository().stats()).isEqualTo(statsBefore);
        assertThat(repository().listRuns(RunQuery.ALL)).isEmpty();
        // Events arrive in order: once the marker's event is in, nothing from the rejected spec came.
        var marker = repository().startRun(graph(List.of(node("m")))).id();
        inbox.awaitReady(marker, "m");
        assertThat(inbox.received()).extracting(Event::runId).containsOnly(marker);
        assertThat(repository().stats().runCount()).isEqualTo(statsBefore.runCount() + 1);
    }

    @Test
    default void aSpecOverASizeLimitIsRefusedBeforeAnythingIsStored() {
        var inbox = subscribe("agent-1", ALL_EVENTS);
        var statsBefore = repository().stats();
        var nodes = new ArrayList<NodeSpec>();
        for (int i = 0; i <= 100_000; i++) { // one over the default limit
            nodes.add(node("n" + i));
        }
        assertThatThrownBy(() -> repository().startRun(new GraphSpec(nodes, List.of())))
                .isInstanceOf(RepositoryException.LimitExceeded.class)
                .hasMessageContaining("100001 nodes");

        assertThat(repository().stats()).isEqualTo(statsBefore);
        assertThat(repository().listRuns(RunQuery.ALL)).isEmpty();
        var marker = repository().startRun(graph(List.of(node("m")))).id();
        inbox.awaitReady(marker, "m");
        assertThat(inbox.received()).extracting(Event::runId).containsOnly(marker);
    }

    @Test
    default void agentIdsFollowOneSyntax() {
        for (var id : List.of("", " ", "a/b", "a b", "tab\tid", "x".repeat(254), "ünïcode", "a\u0000b")) {
            assertThatThrownBy(() -> repository().subscribe(new Agent(id, List.of("debug")), READY_EVENTS))
                    .as("agent id %s", id)
                    .isInstanceOf(RepositoryException.InvalidRequest.class)
                    .hasMessageContaining("agent id")
                    // Quoted as one readable line: control characters escaped, cut after 200 characters.
                    .hasMessageContaining(io.adagio.core.model.Names.quote(id)
                            .substring(
                                    0,
                                    Math.min(
                                            io.adagio.core.model.Names.quote(id).length(), 201)));
        }
        assertThatThrownBy(() -> repository().subscribe(new Agent(null, List.of()), READY_EVENTS))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThatThrownBy(() -> repository().subscribe(null, READY_EVENTS))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThat(repository().listAgents()).isEmpty();

        var valid = "host-1.example.org:7890@pool_2";
        subscribe(valid, READY_EVENTS);
        subscribe("x".repeat(253), READY_EVENTS);
        eventually(() -> assertThat(repository().listAgents())
                .extracting(Agent::id)
                .containsExactlyInAnyOrder(valid, "x".repeat(253)));
    }

    @Test
    default void claimIdsFollowOneSyntax() {
        var id = repository().startRun(graph("a->b")).id();
        var statsBefore = repository().stats();
        for (var claimId : List.of("", "a/b", "a b", "x".repeat(254), "ü")) {
            assertThatThrownBy(() -> repository().claimNode(id, "a", new Claim(claimId)))
                    .as("claim id %s", claimId)
                    .isInstanceOf(RepositoryException.InvalidRequest.class)
                    .hasMessageContaining("claim id");
        }
        assertThatThrownBy(() -> repository().claimNode(id, "a", new Claim(null)))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThatThrownBy(() -> repository().claimNode(id, "a", null))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        var holder = claim(id, "a");
        assertThatThrownBy(() -> repository().finishNode(id, "a", Result.success("x"), new Claim("a/b")))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThat(inspectNode(id, "a").claim()).isEqualTo(holder);
        assertThat(repository().stats())
                .isEqualTo(new Stats(statsBefore.runCount(), new Stats.NodeCounts(1, 0, 1, 0, 0)));

        var longest = new Claim("c".repeat(253));
        finish(id, "a", Result.success("x"), holder);
        assertThat(repository().claimNode(id, "b", longest).claimed()).isTrue();
        assertThat(finish(id, "b", Result.success("y"), longest).status()).isEqualTo(NodeStatus.COMPLETED);
    }

    @Test
    default void runIdsAndNodeNamesThatCannotExistAreNotFound() {
        var id = repository().startRun(graph("a->b")).id();
        for (var runId : List.of("", "a/b", "../" + id, id + "/a", "x".repeat(300))) {
            assertThatThrownBy(() -> repository().inspectRun(runId))
                    .as("run id %s", runId)
                    .isInstanceOf(RepositoryException.NotFound.class);
            assertThatThrownBy(() -> repository().claimNode(runId, "a", newClaim()))
                    .isInstanceOf(RepositoryException.NotFound.class);
        }
        assertThatThrownBy(() -> repository().inspectRun(null)).isInstanceOf(RepositoryException.NotFound.class);
        for (var node : List.of("", "a/b", "../a", "a\u0000")) {
            assertThatThrownBy(() -> repository().claimNode(id, node, newClaim()))
                    .as("node %s", node)
                    .isInstanceOf(RepositoryException.NotFound.class);
            assertThatThrownBy(() -> repository().finishNode(id, node, Result.success(""), newClaim()))
                    .isInstanceOf(RepositoryException.NotFound.class);
        }
        assertThat(inspectNode(id, "a").status()).isEqualTo(NodeStatus.READY);
    }

    @Test
    default void aFinishWithoutAResultOrConclusionIsInvalid() {
        var id = repository().startRun(graph("a->b")).id();
        var holder = claim(id, "a");
        assertThatThrownBy(() -> repository().finishNode(id, "a", null, holder))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThatThrownBy(() ->
                        repository().finishNode(id, "a", new Result(Conclusion.NONE, Map.of(), new byte[0]), holder))
                .isInstanceOf(RepositoryException.InvalidRequest.class)
                .hasMessageContaining("conclude");
        assertThat(inspectNode(id, "a").status()).isEqualTo(NodeStatus.RUNNING);
        assertThat(inspectNode(id, "a").attempts()).isEmpty();
    }

    @Test
    default void aClosedRepositoryIsUnavailable() {
        var id = repository().startRun(graph("a->b")).id();
        repository().close();
        List<Runnable> calls = List.of(
                () -> repository().startRun(graph("x->y")),
                () -> repository().inspectRun(id),
                () -> repository().claimNode(id, "a", newClaim()),
                () -> repository().subscribe(new Agent("late", List.of("debug")), READY_EVENTS));
        for (var call : calls) {
            assertThatThrownBy(call::run)
                    .isInstanceOfSatisfying(
                            RepositoryException.Unavailable.class,
                            e -> assertThat(e.retryable()).isTrue());
        }
    }
}
