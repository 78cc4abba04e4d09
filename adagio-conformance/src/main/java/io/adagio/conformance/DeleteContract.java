package io.adagio.conformance;

import static io.adagio.conformance.Graphs.graph;
import static io.adagio.conformance.Graphs.node;
import static io.adagio.conformance.Graphs.sevenNodeDag;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunRef;
import io.adagio.core.model.Stats;
import io.adagio.core.repository.RepositoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Deleting runs: only a completed run, all of it (Inspect, ListRuns, the retention listing and Stats
 * stop seeing it), exactly once however many ask at the same time, and never while any of its nodes
 * can still change.
 */
public interface DeleteContract extends ConformanceSupport {
    @Test
    default void aCompletedRunIsDeletedWithEverythingOfIt() {
        var kept = repository().startRun(graph("x->y")).id();
        var before = repository().stats();
        var id = repository().startRun(sevenNodeDag()).id();
        driveToCompletion(id);
        assertThat(repository().stats().runCount()).isEqualTo(before.runCount() + 1);

        repository().deleteRun(id);

        assertThatThrownBy(() -> repository().inspectRun(id))
                .isInstanceOf(RepositoryException.NotFound.class)
                .hasMessageContaining(id);
        assertThat(repository().listRuns(RunQuery.ALL)).extracting(Run::id).containsExactly(kept);
        assertThat(repository().oldestRuns(null, 10)).extracting(RunRef::id).containsExactly(kept);
        assertThat(repository().stats()).isEqualTo(before);
        assertThatThrownBy(() -> repository().deleteRun(id)).isInstanceOf(RepositoryException.NotFound.class);
        // Nothing of it can be claimed or finished any more.
        assertThatThrownBy(() -> repository().claimNode(id, "a", newClaim()))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> repository().finishNode(id, "g", Result.success("late"), newClaim()))
                .isInstanceOf(RepositoryException.NotFound.class);
    }

    @Test
    default void aRunThatHasNotCompletedIsNotDeleted() {
        var id = repository().startRun(graph("a->b")).id();
        var waiting = repository().stats();
        assertThatThrownBy(() -> repository().deleteRun(id))
                .isInstanceOf(RepositoryException.FailedPrecondition.class)
                .hasMessageContaining(id)
                .hasMessageContaining("only a completed run can be deleted");

        var claim = claim(id, "a");
        finish(id, "a", Result.success("out"), claim);
        claim(id, "b");
        var running = repository().stats();
        assertThatThrownBy(() -> repository().deleteRun(id))
                .isInstanceOf(RepositoryException.FailedPrecondition.class)
                .hasMessageContaining("has not completed");

        assertThat(repository().inspectRun(id).nodes()).hasSize(2);
        assertThat(repository().stats()).isEqualTo(running);
        assertThat(waiting.runCount()).isEqualTo(running.runCount());
    }

    @Test
    default void unknownRunsAreNotFound() {
        assertThatThrownBy(() -> repository().deleteRun("01JX0000000000000000000000"))
                .isInstanceOf(RepositoryException.NotFound.class)
                .hasMessageContaining("01JX0000000000000000000000");
        assertThatThrownBy(() -> repository().deleteRun("not/a/run")).isInstanceOf(RepositoryException.NotFound.class);
    }

    @Test
    default void aRunThatFailedOrWasLeftUnreachedIsDeletedToo() {
        var id = repository().startRun(graph("a->b", "b->c")).id();
        finish(id, "a", Result.fail("no"), claim(id, "a"));
        assertThat(repository().inspectRun(id).status()).isEqualTo(io.adagio.core.model.RunStatus.COMPLETED);

        repository().deleteRun(id);

        assertThatThrownBy(() -> repository().inspectRun(id)).isInstanceOf(RepositoryException.NotFound.class);
        assertThat(repository().stats()).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));
        // Run control cannot bring it back.
        assertThatThrownBy(() -> repository().rerunRun(id)).isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> repository().cancelRun(id)).isInstanceOf(RepositoryException.NotFound.class);
        assertThat(repository().stats()).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));
    }

    /**
     * A rerun racing the delete of a failed run: exactly one of them succeeds. A rerun first makes
     * the run live again (the delete is refused); a delete first leaves nothing to rerun.
     */
    @Test
    default void ofARerunAndADeleteRacingExactlyOneSucceeds() throws Exception {
        for (int round = 0; round < 10; round++) {
            var id = repository().startRun(graph("a->b")).id();
            finish(id, "a", Result.fail("no"), claim(id, "a"));
            var go = new CountDownLatch(1);
            boolean deleted;
            boolean rerun;
            try (var pool = Executors.newFixedThreadPool(2)) {
                var deleter = pool.submit(() -> {
                    go.await();
                    try {
                        repository().deleteRun(id);
                        return true;
                    } catch (RepositoryException.FailedPrecondition e) {
                        return false;
                    }
                });
                var rerunner = pool.submit(() -> {
                    go.await();
                    try {
                        repository().rerunRun(id);
                        return true;
                    } catch (RepositoryException.NotFound e) {
                        return false;
                    }
                });
                go.countDown();
                deleted = deleter.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                rerun = rerunner.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            }
            assertThat(deleted)
                    .as("round %d: deleted %s, rerun %s", round, deleted, rerun)
                    .isNotEqualTo(rerun);
            if (deleted) {
                assertThatThrownBy(() -> repository().inspectRun(id)).isInstanceOf(RepositoryException.NotFound.class);
                assertThat(repository().stats()).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));
            } else {
                finish(id, "a", Result.success("out"), claim(id, "a"));
                finish(id, "b", Result.success("done"), claim(id, "b"));
                repository().deleteRun(id);
            }
        }
    }

    @Test
    default void ofConcurrentDeletesOfOneRunExactlyOneSucceeds() throws Exception {
        var id = repository().startRun(sevenNodeDag()).id();
        driveToCompletion(id);
        var deleted = new AtomicInteger();
        var notFound = new AtomicInteger();
        var go = new CountDownLatch(1);
        try (var pool = Executors.newFixedThreadPool(8)) {
            var futures = new ArrayList<Future<?>>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    try {
                        repository().deleteRun(id);
                        deleted.incrementAndGet();
                    } catch (RepositoryException.NotFound e) {
                        notFound.incrementAndGet();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (var f : futures) {
                f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            }
        }
        assertThat(deleted).hasValue(1);
        assertThat(notFound).hasValue(7);
        assertThat(repository().stats()).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));
    }

    /**
     * A delete racing the finish that completes the run: it is refused until the finish is recorded,
     * and succeeds after; the counters end at zero either way.
     */
    @Test
    default void aDeleteRacingTheLastFinishWaitsForIt() throws Exception {
        for (int round = 0; round < 10; round++) {
            var id = repository().startRun(graph("a->b")).id();
            finish(id, "a", Result.success("out"), claim(id, "a"));
            var claimB = claim(id, "b");
            var refused = new AtomicInteger();
            try (var pool = Executors.newFixedThreadPool(2)) {
                var deleter = pool.submit(() -> {
                    while (true) {
                        try {
                            repository().deleteRun(id);
                            return null;
                        } catch (RepositoryException.FailedPrecondition e) {
                            refused.incrementAndGet();
                        }
                    }
                });
                var finisher = pool.submit(() -> finish(id, "b", Result.success("done"), claimB));
                assertThat(finisher.get(DEADLINE.toSeconds(), TimeUnit.SECONDS).status())
                        .isEqualTo(io.adagio.core.model.NodeStatus.COMPLETED);
                deleter.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            }
            assertThatThrownBy(() -> repository().inspectRun(id)).isInstanceOf(RepositoryException.NotFound.class);
            assertThat(repository().stats()).as("round %d", round).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));
        }
    }

    /** Claims racing the delete of a completed run change nothing: they win nothing, or find no run. */
    @Test
    default void claimsRacingADeleteChangeNothing() throws Exception {
        var id = repository().startRun(sevenNodeDag()).id();
        driveToCompletion(id);
        var unexpected = new ArrayList<Throwable>();
        try (var pool = Executors.newFixedThreadPool(4)) {
            var claimers = new ArrayList<Future<?>>();
            for (var name : List.of("a", "c", "e", "g")) {
                claimers.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        try {
                            assertThat(repository()
                                            .claimNode(id, name, newClaim())
                                            .claimed())
                                    .isFalse();
                        } catch (RepositoryException.NotFound | RepositoryException.NotReady gone) {
                            // deleted (or half deleted: its nodes no longer claimable)
                        }
                    }
                    return null;
                }));
            }
            repository().deleteRun(id);
            for (var c : claimers) {
                try {
                    c.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    unexpected.add(e.getCause());
                }
            }
        }
        assertThat(unexpected).isEmpty();
        assertThatThrownBy(() -> repository().inspectRun(id)).isInstanceOf(RepositoryException.NotFound.class);
        assertThat(repository().stats()).isEqualTo(new Stats(0, Stats.NodeCounts.ZERO));
    }

    @Test
    default void oldestRunsPagesInCreationOrderAcrossDeletes() {
        var ids = new ArrayList<String>();
        for (int i = 0; i < 5; i++) {
            var id = repository().startRun(graph(List.of(node("only")))).id();
            driveToCompletion(id);
            ids.add(id);
        }
        var first = repository().oldestRuns(null, 2);
        assertThat(first).extracting(RunRef::id).containsExactly(ids.get(0), ids.get(1));
        assertThat(first.get(0).createdAt())
                .isEqualTo(repository().inspectRun(ids.get(0)).createdAt());
        repository().deleteRun(ids.get(1));
        // The page goes on after a run of the last page even when that run is gone since.
        assertThat(repository().oldestRuns(first.get(1), 2))
                .extracting(RunRef::id)
                .containsExactly(ids.get(2), ids.get(3));
        assertThat(repository().oldestRuns(first.get(0), 10))
                .extracting(RunRef::id)
                .containsExactly(ids.get(2), ids.get(3), ids.get(4));
        var last = repository().oldestRuns(first.get(0), 10).getLast();
        assertThat(repository().oldestRuns(last, 10)).isEmpty();
    }
}
