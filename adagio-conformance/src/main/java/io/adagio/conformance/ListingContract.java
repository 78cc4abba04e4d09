package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static io.adagio.conformance.Graphs.sevenNodeDag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Event;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.protocol.Protocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What can be read about runs and agents: ListRuns, Stats, ListAgents, and what subscribers are told. */
public interface ListingContract extends ConformanceSupport {
    @Test
    default void listRunsIsNewestFirstAndHonoursTheLimit() {
        var ids = startRuns(5);
        var newestFirst = reversed(ids);

        assertThat(repository().listRuns(RunQuery.ALL)).extracting(Run::id).containsExactlyElementsOf(newestFirst);
        assertThat(repository().listRuns(RunQuery.limit(2)))
                .extracting(Run::id)
                .containsExactlyElementsOf(newestFirst.subList(0, 2));
        assertThat(repository().listRuns(RunQuery.limit(50)))
                .extracting(Run::id)
                .containsExactlyElementsOf(newestFirst);
        var listed = repository().listRuns(RunQuery.ALL);
        for (int i = 1; i < listed.size(); i++) {
            assertThat(listed.get(i).createdAt()).isBefore(listed.get(i - 1).createdAt());
        }
    }

    @Test
    default void listRunsStartBoundsTheNewestEndInclusively() {
        var ids = startRuns(5);
        long third = createdNs(ids.get(2));
        assertThat(repository().listRuns(new RunQuery(third, 0, 0)))
                .extracting(Run::id)
                .containsExactly(ids.get(2), ids.get(1), ids.get(0));
        assertThat(repository().listRuns(new RunQuery(third - 1, 0, 0)))
                .extracting(Run::id)
                .containsExactly(ids.get(1), ids.get(0));
        assertThat(repository().listRuns(new RunQuery(createdNs(ids.get(0)) - 1, 0, 0)))
                .isEmpty();
    }

    @Test
    default void listRunsFinishBoundsTheOldestEndInclusively() {
        var ids = startRuns(5);
        long third = createdNs(ids.get(2));
        assertThat(repository().listRuns(new RunQuery(0, third, 0)))
                .extracting(Run::id)
                .containsExactly(ids.get(4), ids.get(3), ids.get(2));
        assertThat(repository().listRuns(new RunQuery(0, third + 1, 0)))
                .extracting(Run::id)
                .containsExactly(ids.get(4), ids.get(3));
        assertThat(repository().listRuns(new RunQuery(0, createdNs(ids.get(4)) + 1, 0)))
                .isEmpty();
    }

    @Test
    default void listRunsWithStartFinishAndLimitTogether() {
        var ids = startRuns(6);
        long start = createdNs(ids.get(4));
        long finish = createdNs(ids.get(1));
        assertThat(repository().listRuns(new RunQuery(start, finish, 0)))
                .extracting(Run::id)
                .containsExactly(ids.get(4), ids.get(3), ids.get(2), ids.get(1));
        assertThat(repository().listRuns(new RunQuery(start, finish, 2)))
                .extracting(Run::id)
                .containsExactly(ids.get(4), ids.get(3));
        assertThat(repository().listRuns(new RunQuery(start, start, 5)))
                .extracting(Run::id)
                .containsExactly(ids.get(4));
        assertThat(repository().listRuns(new RunQuery(finish, start, 5)))
                .as("start older than finish")
                .isEmpty();
    }

    @Test
    default void statsCountRunsAndNodesByStatusAfterAMixedWorkload() {
        assertThat(repository().stats()).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));

        repository().startRun(sevenNodeDag()); // a, b ready; five waiting
        var failed = repository().startRun(graph(List.of(node("x")))).id();
        finish(failed, "x", Result.fail("no"), claim(failed, "x")); // one completed
        var orphaned = repository().startRun(graph(List.of(node("o")))).id();
        orphanAndAwait(orphaned, "o", claim(orphaned, "o")); // one orphaned
        var running = repository().startRun(graph("p->q")).id();
        var p = claim(running, "p"); // one running, one waiting

        eventually(() -> assertThat(repository().stats()).isEqualTo(new Stats(4, new Stats.NodeCounts(6, 2, 1, 1, 1))));

        finish(running, "p", Result.success(""), p);
        var recovery = repository().claimNode(orphaned, "o", newClaim());
        finish(
                orphaned,
                "o",
                Result.error(Protocol.ORPHANED_OUTPUT),
                recovery.node().claim());
        assertThat(repository().stats()).isEqualTo(new Stats(4, new Stats.NodeCounts(5, 3, 0, 3, 0)));
    }

    @Test
    default void listAgentsFollowsSubscribeAndUnsubscribe() {
        assertThat(repository().listAgents()).isEmpty();
        var first = subscribe("agent-one", READY_EVENTS);
        eventually(() -> assertThat(repository().listAgents())
                .containsExactly(new Agent("agent-one", List.of("debug", "exec"))));
        var second = subscribe("agent-two", ALL_EVENTS);
        eventually(() -> assertThat(repository().listAgents())
                .extracting(Agent::id)
                .containsExactlyInAnyOrder("agent-one", "agent-two"));

        first.subscription().close();
        eventually(() ->
                assertThat(repository().listAgents()).extracting(Agent::id).containsExactly("agent-two"));
        second.subscription().close();
        eventually(() -> assertThat(repository().listAgents()).isEmpty());
    }

    @Test
    default void aNewSubscriberIsToldOfEveryNodeReadyNow() {
        var first = repository().startRun(sevenNodeDag()).id();
        finish(first, "a", Result.success(""), claim(first, "a"));
        claim(first, "b"); // running: not ready any more
        var second = repository().startRun(graph("x->y")).id();

        var inbox = subscribe("agent-late", READY_EVENTS);
        inbox.awaitReady(first, "c");
        inbox.awaitReady(second, "x");
        // New readiness after subscribing arrives too.
        finish(second, "x", Result.success(""), claim(second, "x"));
        inbox.awaitReady(second, "y");
        assertThat(inbox.nodes(Event.Type.NODE_READY, first)).doesNotContain("d", "e", "f", "g");
    }

    @Test
    default void aSubscriberThatNeverReadsStallsNeitherTheRepositoryNorOthers() {
        var sleeper = subscribe("agent-asleep", ALL_EVENTS);
        var awake = subscribe("agent-awake", READY_EVENTS);
        int runs = 30;
        var ids = new ArrayList<String>();
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int i = 0; i < runs; i++) {
                var id = repository().startRun(sevenNodeDag()).id();
                ids.add(id);
                driveToCompletion(id);
            }
        });
        for (var id : ids) {
            assertThat(repository().inspectRun(id).status()).isEqualTo(RunStatus.COMPLETED);
            awake.awaitReady(id, "a", "b", "c", "d", "e", "f", "g");
        }
        // The sleeper was sent everything as well; it simply has not read it.
        eventually(() -> assertThat(sleeper.subscription().pending()).isGreaterThan(0));
        assertThat(sleeper.subscription().isClosed()).isFalse();
    }
}
