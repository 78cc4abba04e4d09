package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static io.adagio.conformance.Graphs.sevenNodeDag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.RunUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Watching a run: the run first, then only what changed, no change lost however a watcher's
 * subscription and the run's changes interleave, the end with the update that completes the run,
 * resumption after a sequence, and slow watchers coalesced rather than queued.
 */
public interface WatchContract extends ConformanceSupport {

    default Follower follow(String runId) {
        return new Follower(repository(), runId, 0, null, DEADLINE);
    }

    /** Takes updates until the follower's nodes are Inspect's. */
    default void catchUp(Follower follower, String runId) {
        List<Node> expected = repository().inspectRun(runId).nodes();
        while (!follower.nodes().equals(expected)) {
            follower.next();
            expected = repository().inspectRun(runId).nodes();
        }
    }

    @Test
    default void aWatchStartsWithTheRunAsInspectShowsIt() {
        var id = repository().startRun(sevenNodeDag()).id();
        try (var follower = follow(id)) {
            var first = follower.next();
            assertThat(first).isInstanceOf(RunUpdate.Snapshot.class);
            assertThat(((RunUpdate.Snapshot) first).run())
                    .isEqualTo(repository().inspectRun(id));
            assertThat(first.status()).isEqualTo(RunStatus.WAITING);
            assertThat(follower.pollNow()).as("nothing changed").isEmpty();
            assertThat(follower.watch().finished()).isFalse();
        }
    }

    @Test
    default void eachUpdateCarriesOnlyTheNodesThatChanged() {
        var id = repository().startRun(sevenNodeDag()).id();
        try (var follower = follow(id)) {
            follower.next();
            var claimA = claim(id, "a");
            var claimed = (RunUpdate.Changes) follower.next();
            assertThat(claimed.nodes()).extracting(Node::name).containsExactly("a");
            assertThat(claimed.status()).isEqualTo(RunStatus.RUNNING);
            assertThat(claimed.sequence()).isGreaterThan(0);

            finish(id, "a", Result.success("out-a"), claimA);
            int seen = follower.updates().size();
            catchUp(follower, id);
            var changed = follower.updates().subList(seen, follower.updates().size()).stream()
                    .flatMap(u -> ((RunUpdate.Changes) u).nodes().stream())
                    .map(Node::name)
                    .toList();
            // a completed, c became READY, d received a's output; b, e, f and g did not change.
            assertThat(changed).contains("a", "c").doesNotContain("b", "e", "f", "g");
            assertThat(follower.status()).isEqualTo(RunStatus.RUNNING);
        }
    }

    @Test
    default void theUpdateInWhichTheRunCompletesIsTheLast() {
        var id = repository().startRun(sevenNodeDag()).id();
        try (var follower = follow(id)) {
            follower.next();
            driveToCompletion(id);
            var last = follower.untilCompleted();
            assertThat(last.status()).isEqualTo(RunStatus.COMPLETED);
            var run = repository().inspectRun(id);
            assertThat(follower.nodes()).isEqualTo(run.nodes());
            assertThat(follower.pollNow()).isEmpty();
            assertThat(follower.watch().finished()).isTrue();
        }
    }

    @Test
    default void aCancelledRunEndsItsWatchesCancelledWhenItsLastRunningNodeStops() {
        var id = repository().startRun(graph("a->b")).id();
        var running = claim(id, "a");
        try (var follower = follow(id)) {
            follower.next();
            repository().cancelRun(id);
            // b is cancelled, a is asked to stop: the run goes on, its conclusion not known yet.
            catchUp(follower, id);
            assertThat(follower.status()).isEqualTo(RunStatus.RUNNING);
            assertThat(follower.conclusion()).isEqualTo(Conclusion.NONE);
            finish(id, "a", Result.cancelled("stopped"), running);
            var last = follower.untilCompleted();
            assertThat(last.conclusion())
                    .isEqualTo(repository().inspectRun(id).conclusion())
                    .isEqualTo(Conclusion.CANCELLED);
            assertThat(follower.nodes()).isEqualTo(repository().inspectRun(id).nodes());
        }
    }

    @Test
    default void aCompletedRunIsOneSnapshot() {
        var id = repository().startRun(graph("a->b")).id();
        driveToCompletion(id);
        try (var follower = follow(id)) {
            var only = follower.next();
            assertThat(only).isInstanceOf(RunUpdate.Snapshot.class);
            assertThat(only.completed()).isTrue();
            assertThat(((RunUpdate.Snapshot) only).run()).isEqualTo(repository().inspectRun(id));
            assertThat(follower.watch().finished()).isTrue();
            assertThat(follower.pollNow()).isEmpty();
        }
    }

    @Test
    default void watchingAnUnknownRunIsNotFound() {
        assertThatThrownBy(() -> repository().watchRun("01JZZZZZZZZZZZZZZZZZZZZZZZ", 0, () -> {}))
                .isInstanceOf(RepositoryException.NotFound.class)
                .hasMessageContaining("01JZZZZZZZZZZZZZZZZZZZZZZZ");
        assertThatThrownBy(() -> repository().watchRun("no/such", 0, () -> {}))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> repository().watchRun(null, 0, () -> {}))
                .isInstanceOf(RepositoryException.NotFound.class);
    }

    @Test
    default void aDeletedRunCannotBeWatchedEvenRightAfterItsLastWatcherLeft() {
        var id = repository().startRun(graph("x->y")).id();
        driveToCompletion(id);
        try (var follower = follow(id)) {
            assertThat(follower.next().status()).isEqualTo(RunStatus.COMPLETED);
        }
        // A feed may linger for a watcher that comes back; a delete must not leave the run in it.
        repository().deleteRun(id);

        assertThatThrownBy(() -> {
                    try (var watch = repository().watchRun(id, 0, () -> {})) {
                        watch.poll();
                    }
                })
                .isInstanceOf(RepositoryException.NotFound.class);
    }

    @Test
    default void watchersThatComeWhileTheRunChangesMissNothing() throws Exception {
        // Many roots finished by several threads at once into one join (a wide fan-in).
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<String>();
        for (int i = 0; i < 24; i++) {
            nodes.add(node("r" + i));
            edges.add("r" + i + "->join");
        }
        nodes.add(node("join"));
        var id = repository()
                .startRun(graph(nodes, edges.toArray(String[]::new)))
                .id();
        var followers = new ArrayList<Follower>();
        followers.add(follow(id));
        ExecutorService drivers = Executors.newFixedThreadPool(4);
        try {
            var done = new ArrayList<Future<?>>();
            for (int t = 0; t < 4; t++) {
                int first = t;
                done.add(drivers.submit(() -> {
                    for (int i = first; i < 24; i += 4) {
                        var name = "r" + i;
                        finish(id, name, Result.success("out-" + name), claim(id, name));
                    }
                }));
            }
            // Subscribe again and again while the roots finish.
            while (done.stream().anyMatch(f -> !f.isDone()) && followers.size() < 40) {
                var follower = follow(id);
                follower.next();
                followers.add(follower);
            }
            for (var f : done) {
                f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            }
            eventually(() ->
                    assertThat(inspectNode(id, "join").status()).isEqualTo(io.adagio.core.model.NodeStatus.READY));
            finish(id, "join", Result.success("joined"), claim(id, "join"));
            var run = repository().inspectRun(id);
            for (var follower : followers) {
                follower.untilCompleted();
                assertThat(follower.nodes()).isEqualTo(run.nodes());
                assertThat(follower.status()).isEqualTo(RunStatus.COMPLETED);
            }
        } finally {
            drivers.shutdownNow();
            followers.forEach(Follower::close);
        }
    }

    @Test
    default void aWatchResumedAfterASequenceGetsWhatChangedSince() {
        var id = repository().startRun(sevenNodeDag()).id();
        var first = follow(id);
        first.next();
        var claimA = claim(id, "a");
        first.next();
        long after = first.sequence();
        first.close();

        finish(id, "a", Result.success("out-a"), claimA);
        claim(id, "b");
        try (var resumed = new Follower(repository(), id, after, first, DEADLINE)) {
            var update = resumed.next();
            if (update instanceof RunUpdate.Changes changes) {
                // What changed since: a finished, c became READY, d got an input, b was claimed.
                assertThat(changes.nodes()).extracting(Node::name).doesNotContain("e", "f", "g");
            }
            catchUp(resumed, id);
            assertThat(resumed.status()).isEqualTo(RunStatus.RUNNING);
        }
    }

    @Test
    default void aSlowWatcherGetsTheLatestStateOfEachChangedNode() {
        var id = repository().startRun(sevenNodeDag()).id();
        try (var follower = follow(id)) {
            follower.next();
            driveToCompletion(id);
            // However many changes happened, the watch said so once and kept no queue of them.
            assertThat(follower.signalsSincePoll()).isLessThanOrEqualTo(1);
            follower.untilCompleted();
            assertThat(follower.nodes()).isEqualTo(repository().inspectRun(id).nodes());
            assertThat(follower.updates().subList(1, follower.updates().size()))
                    .as("each update after the snapshot carries what changed")
                    .allSatisfy(u -> assertThat(((RunUpdate.Changes) u).nodes()).isNotEmpty());
        }
    }

    @Test
    default void aClosedWatchTakesNoMoreUpdates() {
        var id = repository().startRun(sevenNodeDag()).id();
        var follower = follow(id);
        follower.next();
        follower.close();
        claim(id, "a");
        assertThat(follower.pollNow()).isEmpty();
        assertThat(follower.watch().finished()).isTrue();
        follower.close();
    }
}
