package io.adagio.core.watch;

import static io.adagio.core.watch.RunFeedsTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RunUpdate;
import io.adagio.core.repository.RunWatch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many watchers of one run: one feed publishes each tick once for all of them, off the recording thread. */
class SharedFeedTest {
    private static final int NODES = 200;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    /** A backend following one wide run, "wide", whose changes the test feeds. */
    private static final class WideRun implements RunFeeds.Source {
        final AtomicReference<RunFeed> feed = new AtomicReference<>();

        @Override
        public AutoCloseable open(String runId, RunFeed f) {
            var nodes = new ArrayList<Node>();
            for (int i = 0; i < NODES; i++) {
                nodes.add(new Node(
                        new NodeSpec("n" + i, "debug"), NodeStatus.READY, List.of(), null, null, Map.of(), null));
            }
            f.begin(
                    new Run(runId, Instant.parse("2025-06-01T12:00:00Z"), nodes, List.of(), RunStatus.WAITING),
                    false,
                    1,
                    null);
            feed.set(f);
            return () -> {};
        }
    }

    private final WideRun source = new WideRun();
    private final RunFeedsTest.ManualTicks ticks = new RunFeedsTest.ManualTicks();
    private RunFeeds feeds = new RunFeeds(source, Duration.ZERO, ticks);

    @AfterEach
    void close() {
        feeds.close();
    }

    /** Node {@code i} in that state. */
    private static List<Node> run(int i, NodeStatus status) {
        return List.of(node("n" + i, status));
    }

    @Test
    void watchersThatKeepUpAreHandedTheSameUpdatesAndAllSeeTheCompletion() {
        var watches = new ArrayList<RunWatch>();
        for (int w = 0; w < 500; w++) {
            watches.add(feeds.watch("wide", 0, () -> {}));
        }
        var seen = new ArrayList<List<RunUpdate>>();
        for (var watch : watches) {
            seen.add(new ArrayList<>(List.of(watch.poll().orElseThrow())));
        }
        var feed = source.feed.get();
        long sequence = 1;
        for (int i = 0; i < NODES; i++) {
            feed.update(++sequence, run(i, NodeStatus.RUNNING), false);
            feed.update(++sequence, run(i, NodeStatus.COMPLETED), false);
            if (i % 50 == 49) {
                ticks.run();
                for (int w = 0; w < watches.size(); w++) {
                    watches.get(w).poll().ifPresent(seen.get(w)::add);
                }
            }
        }
        var first = seen.getFirst();
        assertThat(first).hasSize(1 + NODES / 50);
        assertThat(first.getLast().completed()).isTrue();
        for (int w = 0; w < watches.size(); w++) {
            assertThat(watches.get(w).finished()).isTrue();
            var updates = seen.get(w);
            assertThat(updates).hasSameSizeAs(first);
            for (int u = 0; u < updates.size(); u++) {
                // One object for all: what a server encodes once and sends to every stream.
                assertThat(updates.get(u)).isSameAs(first.get(u));
            }
        }
    }

    @Test
    void aWatcherThatFellBehindTakesTheLatestStateOfEachChangedNodeAndDoesNotHoldUpTheOthers() {
        var slow = feeds.watch("wide", 0, () -> {});
        var quick = feeds.watch("wide", 0, () -> {});
        assertThat(slow.poll()).get().isInstanceOf(RunUpdate.Snapshot.class);
        assertThat(quick.poll()).get().isInstanceOf(RunUpdate.Snapshot.class);
        var feed = source.feed.get();
        long sequence = 1;
        var quickSaw = new LinkedHashMap<String, Node>();
        for (int i = 0; i < NODES; i++) {
            feed.update(++sequence, run(i, NodeStatus.RUNNING), false);
            ticks.run();
            quick.poll().ifPresent(u -> ((RunUpdate.Changes) u).nodes().forEach(n -> quickSaw.put(n.name(), n)));
            feed.update(++sequence, run(i, NodeStatus.COMPLETED), false);
            ticks.run();
            quick.poll().ifPresent(u -> ((RunUpdate.Changes) u).nodes().forEach(n -> quickSaw.put(n.name(), n)));
        }
        assertThat(quick.finished()).isTrue();
        assertThat(quickSaw).hasSize(NODES);

        // The slow one, 400 changes later: one update, each node once, as it is now, and the end.
        var last = (RunUpdate.Changes) slow.poll().orElseThrow();
        assertThat(last.nodes())
                .hasSize(NODES)
                .allSatisfy(n -> assertThat(n.status()).isEqualTo(NodeStatus.COMPLETED));
        assertThat(last.nodes()).containsExactlyElementsOf(quickSaw.values());
        assertThat(last.completed()).isTrue();
        assertThat(last.sequence()).isEqualTo(sequence);
        assertThat(slow.finished()).isTrue();
    }

    @Test
    void recordingDoesNotWaitForWatchers() throws Exception {
        feeds.close();
        feeds = new RunFeeds(source, Duration.ZERO);
        // A watcher whose callback is stuck (which the contract forbids) and 200 that follow.
        var stuck = new CountDownLatch(1);
        var stuckEntered = new CountDownLatch(1);
        var blocking = feeds.watch("wide", 0, () -> {
            stuckEntered.countDown();
            try {
                stuck.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        blocking.poll();
        var followers = new ArrayList<Follower>();
        for (int w = 0; w < 200; w++) {
            followers.add(new Follower(feeds));
        }
        var feed = source.feed.get();
        var recording = CompletableFuture.runAsync(() -> {
            long sequence = 1;
            for (int i = 0; i < NODES; i++) {
                feed.update(++sequence, run(i, NodeStatus.RUNNING), false);
                feed.update(++sequence, run(i, NodeStatus.COMPLETED), false);
            }
        });
        assertThat(stuckEntered.await(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                .as("a watcher was told")
                .isTrue();
        // Every change is recorded while a watcher's callback is stuck.
        recording.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);

        stuck.countDown();
        for (var follower : followers) {
            follower.awaitCompletion();
            assertThat(follower.nodes.values())
                    .hasSize(NODES)
                    .allSatisfy(n -> assertThat(n.status()).isEqualTo(NodeStatus.COMPLETED));
        }
    }

    /** A watcher that takes each update when told, on the thread that tells it. */
    private static final class Follower {
        final Map<String, Node> nodes = new LinkedHashMap<>();
        final Semaphore done = new Semaphore(0);
        final RunWatch watch;

        Follower(RunFeeds feeds) {
            watch = feeds.watch("wide", 0, this::take);
            take();
        }

        private synchronized void take() {
            for (var u = watch.poll(); u.isPresent(); u = watch.poll()) {
                switch (u.get()) {
                    case RunUpdate.Snapshot s -> s.run().nodes().forEach(n -> nodes.put(n.name(), n));
                    case RunUpdate.Changes c -> c.nodes().forEach(n -> nodes.put(n.name(), n));
                }
                if (u.get().completed()) {
                    done.release();
                }
            }
        }

        void awaitCompletion() throws InterruptedException {
            assertThat(done.tryAcquire(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .as("the completion within %s", DEADLINE)
                    .isTrue();
        }
    }
}
