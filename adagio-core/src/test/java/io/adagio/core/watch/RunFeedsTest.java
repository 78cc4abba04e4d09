package io.adagio.core.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RepositoryException;
import io.adagio.core.repository.RunUpdate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The registry of watched runs and the shared feed, with a hand-fed source standing for a backend. */
class RunFeedsTest {
    /** A backend that follows runs "a-run" and "other" and lets the test feed their changes. */
    static final class FakeSource implements RunFeeds.Source {
        final AtomicInteger opened = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
        final Map<String, RunFeed> feeds = new ConcurrentHashMap<>();
        volatile RuntimeException failOpen;

        @Override
        public AutoCloseable open(String runId, RunFeed feed) {
            if (failOpen != null) {
                throw failOpen;
            }
            if (!runId.equals("a-run") && !runId.equals("other")) {
                throw RepositoryException.NotFound.run(runId);
            }
            opened.incrementAndGet();
            feed.begin(run(runId, NodeStatus.READY, NodeStatus.WAITING), false, 10, null);
            feeds.put(runId, feed);
            return closed::incrementAndGet;
        }
    }

    /** Ticks the test runs when it wants them, so that what a tick publishes is known. */
    static final class ManualTicks implements Ticks {
        private final List<Runnable> due = new ArrayList<>();

        @Override
        public synchronized void after(long delayNanos, Runnable tick) {
            due.add(tick);
        }

        /** Runs the ticks asked for so far. */
        void run() {
            List<Runnable> now;
            synchronized (this) {
                now = List.copyOf(due);
                due.clear();
            }
            now.forEach(Runnable::run);
        }
    }

    private final FakeSource source = new FakeSource();
    private final ManualTicks ticks = new ManualTicks();
    private RunFeeds feeds = new RunFeeds(source, Duration.ZERO, ticks);

    @AfterEach
    void close() {
        feeds.close();
    }

    static Node node(String name, NodeStatus status) {
        return new Node(new NodeSpec(name, "debug"), status, List.of(), null, null, Map.of(), null);
    }

    static Run run(String id, NodeStatus first, NodeStatus second) {
        return new Run(
                id,
                Instant.parse("2025-06-01T12:00:00Z"),
                List.of(node("x", first), node("y", second)),
                List.of(),
                RunStatus.WAITING);
    }

    @Test
    void watchersOfARunShareOneFeedWhichClosesWithTheLastOfThem() {
        var first = feeds.watch("a-run", 0, () -> {});
        var second = feeds.watch("a-run", 0, () -> {});
        assertThat(source.opened).hasValue(1);
        assertThat(first.poll()).get().isInstanceOf(RunUpdate.Snapshot.class);
        first.close();
        assertThat(source.closed).hasValue(0);
        second.close();
        assertThat(source.closed).hasValue(1);
        assertThat(feeds.followed()).isZero();

        feeds.watch("a-run", 0, () -> {}).close();
        assertThat(source.opened).as("a new feed once the last one closed").hasValue(2);
    }

    @Test
    void aFeedNobodyWatchesLingersThenCloses() {
        feeds.close();
        feeds = new RunFeeds(source, Duration.ofMillis(300), ticks);
        feeds.watch("a-run", 0, () -> {}).close();
        feeds.watch("a-run", 0, () -> {}).close();
        assertThat(source.opened).as("the lingering feed is taken again").hasValue(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> source.closed.get() == 1);
        assertThat(feeds.followed()).isZero();
    }

    @Test
    void anUnknownRunIsNotFoundAndLeavesNothingBehind() {
        assertThatThrownBy(() -> feeds.watch("missing", 0, () -> {})).isInstanceOf(RepositoryException.NotFound.class);
        assertThat(feeds.followed()).isZero();
        source.failOpen = new RepositoryException.Unavailable("etcd is down");
        assertThatThrownBy(() -> feeds.watch("a-run", 0, () -> {})).isInstanceOf(RepositoryException.Unavailable.class);
        source.failOpen = null;
        assertThat(feeds.watch("a-run", 0, () -> {}).poll()).isPresent();
    }

    @Test
    void changesAreCoalescedPerWatcherAndTheCallbackComesOncePerPoll() {
        var signals = new AtomicInteger();
        var watch = feeds.watch("a-run", 0, signals::incrementAndGet);
        watch.poll();
        var feed = source.feeds.get("a-run");
        feed.update(11, List.of(node("x", NodeStatus.RUNNING)), false);
        feed.update(12, List.of(node("x", NodeStatus.COMPLETED), node("y", NodeStatus.READY)), false);
        feed.update(13, List.of(node("y", NodeStatus.RUNNING)), false);
        assertThat(signals).as("told at the tick, not by the recording thread").hasValue(0);
        ticks.run();
        assertThat(signals).hasValue(1);

        var changes = (RunUpdate.Changes) watch.poll().orElseThrow();
        assertThat(changes.nodes()).extracting(Node::status).containsExactly(NodeStatus.COMPLETED, NodeStatus.RUNNING);
        assertThat(changes.sequence()).isEqualTo(13);
        assertThat(changes.status()).isEqualTo(RunStatus.RUNNING);
        assertThat(watch.poll()).isEmpty();

        feed.update(14, List.of(node("y", NodeStatus.COMPLETED)), false);
        ticks.run();
        assertThat(signals).hasValue(2);
        var last = watch.poll().orElseThrow();
        assertThat(last.completed()).isTrue();
        assertThat(watch.finished()).isTrue();
        assertThat(source.closed).as("a finished watch lets go of the feed").hasValue(1);
    }

    @Test
    void aWatcherWhoComesBetweenAChangeAndItsTickDoesNotKeepItFromTheOthers() {
        var signals = new AtomicInteger();
        var first = feeds.watch("a-run", 0, signals::incrementAndGet);
        first.poll();
        var feed = source.feeds.get("a-run");
        feed.update(11, List.of(node("x", NodeStatus.RUNNING)), false);
        // The newcomer starts from the run as it is: the change is published for it at once.
        var second = feeds.watch("a-run", 0, () -> {});
        assertThat(((RunUpdate.Snapshot) second.poll().orElseThrow())
                        .run()
                        .node("x")
                        .orElseThrow()
                        .status())
                .isEqualTo(NodeStatus.RUNNING);

        ticks.run();
        assertThat(signals)
                .as("the first watcher is told at the tick all the same")
                .hasValue(1);
        var changes = (RunUpdate.Changes) first.poll().orElseThrow();
        assertThat(changes.nodes()).extracting(Node::status).containsExactly(NodeStatus.RUNNING);
    }

    @Test
    void aWatchResumesFromWhatTheFeedKnowsElseStartsWithTheRun() {
        var keeper = feeds.watch("a-run", 0, () -> {});
        var feed = source.feeds.get("a-run");
        feed.update(11, List.of(node("x", NodeStatus.RUNNING)), false);
        feed.update(12, List.of(node("y", NodeStatus.READY)), false);
        ticks.run();

        var resumed = feeds.watch("a-run", 11, () -> {});
        var changes = (RunUpdate.Changes) resumed.poll().orElseThrow();
        assertThat(changes.nodes()).extracting(Node::name).containsExactly("y");

        var upToDate = feeds.watch("a-run", 12, () -> {});
        assertThat(((RunUpdate.Changes) upToDate.poll().orElseThrow()).nodes()).isEmpty();

        // Before the feed began (10), or from the future: the whole run.
        assertThat(feeds.watch("a-run", 9, () -> {}).poll()).get().isInstanceOf(RunUpdate.Snapshot.class);
        assertThat(feeds.watch("a-run", 99, () -> {}).poll()).get().isInstanceOf(RunUpdate.Snapshot.class);
        keeper.close();
    }

    @Test
    void aFailedFeedEndsItsWatchesAndTheNextWatchGetsANewOne() {
        var watch = feeds.watch("a-run", 0, () -> {});
        watch.poll();
        source.feeds.get("a-run").fail(RepositoryException.NotFound.run("a-run"));
        assertThatThrownBy(watch::poll).isInstanceOf(RepositoryException.NotFound.class);
        assertThat(watch.finished()).isTrue();
        assertThat(watch.poll()).isEmpty();
        feeds.watch("other", 0, () -> {});
        feeds.watch("a-run", 0, () -> {});
        assertThat(source.opened).hasValue(3);
    }

    @Test
    void closingTheRegistryEndsEveryWatchWithUnavailable() {
        var watches = new ArrayList<io.adagio.core.repository.RunWatch>();
        watches.add(feeds.watch("a-run", 0, () -> {}));
        watches.add(feeds.watch("other", 0, () -> {}));
        feeds.close();
        for (var w : watches) {
            assertThatThrownBy(w::poll).isInstanceOf(RepositoryException.Unavailable.class);
        }
        assertThat(source.closed).hasValue(2);
        assertThatThrownBy(() -> feeds.watch("a-run", 0, () -> {})).isInstanceOf(RepositoryException.Unavailable.class);
    }
}
