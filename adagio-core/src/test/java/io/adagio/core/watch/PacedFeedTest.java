package io.adagio.core.watch;

import static io.adagio.core.watch.RunFeedsTest.node;
import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RunUpdate;
import io.adagio.core.repository.RunWatch;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A feed paced by what its ticks cost (changed nodes × watchers), on a test's clock: a wide step
 * watched by hundreds does not flood them while the run moves, and the completion is never late.
 */
class PacedFeedTest {
    private static final long MS = 1_000_000;
    private static final int FAN = 998;

    /** Ticks with the delay each was asked for; the test runs them when it wants. */
    private static final class DelayedTicks implements Ticks {
        record Asked(long delayNanos, Runnable tick) {}

        final List<Asked> asked = new ArrayList<>();

        @Override
        public synchronized void after(long delayNanos, Runnable tick) {
            asked.add(new Asked(delayNanos, tick));
        }

        synchronized List<Asked> take() {
            var now = List.copyOf(asked);
            asked.clear();
            return now;
        }
    }

    /** A gate node, then {@value #FAN} nodes fanning out of it and one fanning them in (all WAITING). */
    private static final class FanOut implements RunFeeds.Source {
        final AtomicReference<RunFeed> feed = new AtomicReference<>();

        @Override
        public AutoCloseable open(String runId, RunFeed f) {
            var nodes = new ArrayList<Node>();
            nodes.add(node("gate", NodeStatus.RUNNING));
            for (int i = 0; i < FAN; i++) {
                nodes.add(node("n" + i, NodeStatus.WAITING));
            }
            nodes.add(node("in", NodeStatus.WAITING));
            f.begin(
                    new Run(runId, Instant.parse("2025-06-01T12:00:00Z"), nodes, List.of(), RunStatus.RUNNING),
                    false,
                    1,
                    null);
            feed.set(f);
            return () -> {};
        }
    }

    private final AtomicLong clock = new AtomicLong(1_000_000 * MS);
    private final DelayedTicks ticks = new DelayedTicks();
    private final FanOut source = new FanOut();
    private final RunFeeds feeds = new RunFeeds(source, Duration.ZERO, TickPacing.DEFAULT, ticks, clock::get);
    private long sequence = 1;

    @AfterEach
    void close() {
        feeds.close();
    }

    private List<RunWatch> watchers(int count) {
        var watches = new ArrayList<RunWatch>();
        for (int w = 0; w < count; w++) {
            var watch = feeds.watch("fan", 0, () -> {});
            assertThat(watch.poll()).get().isInstanceOf(RunUpdate.Snapshot.class);
            watches.add(watch);
        }
        return watches;
    }

    private void change(List<Node> nodes) {
        source.feed.get().update(++sequence, nodes, false);
    }

    private static List<Node> fan(NodeStatus status) {
        var nodes = new ArrayList<Node>();
        for (int i = 0; i < FAN; i++) {
            nodes.add(node("n" + i, status));
        }
        return nodes;
    }

    @Test
    void aWideStepWatchedByHundredsIsGatheredAndTheCompletionSentAtOnceInOneUpdate() {
        var watches = watchers(500);
        ticks.take();

        var gate = new ArrayList<Node>(fan(NodeStatus.READY));
        gate.add(node("gate", NodeStatus.COMPLETED));
        change(gate);
        var asked = ticks.take();
        // 999 nodes × 500 watchers = 499,500 node states: gathered for as long as sending them would take.
        long sending = 999L * 500 * 1_000_000_000L / TickPacing.DEFAULT.statesPerSecond();
        assertThat(sending).isGreaterThan(TickPacing.DEFAULT.interval().toNanos());
        assertThat(asked)
                .singleElement()
                .satisfies(a -> assertThat(a.delayNanos()).isEqualTo(sending));

        clock.addAndGet(30 * MS);
        change(fan(NodeStatus.RUNNING));
        clock.addAndGet(30 * MS);
        change(fan(NodeStatus.COMPLETED));
        assertThat(ticks.take()).as("the tick asked for already will do").isEmpty();

        clock.addAndGet(10 * MS);
        change(List.of(node("in", NodeStatus.COMPLETED)));
        var completing = ticks.take();
        assertThat(completing)
                .singleElement()
                .satisfies(a -> assertThat(a.delayNanos()).isZero());
        completing.getFirst().tick().run();

        for (var watch : watches) {
            var update = (RunUpdate.Changes) watch.poll().orElseThrow();
            assertThat(update.completed()).isTrue();
            assertThat(update.nodes()).hasSize(FAN + 2);
            assertThat(watch.finished()).isTrue();
        }
        // The tick asked for first finds nothing left to publish.
        asked.getFirst().tick().run();
        assertThat(ticks.take()).isEmpty();
    }

    @Test
    void oneWatcherFollowsTheSameStepAtOnceAndThenEveryInterval() {
        var watch = watchers(1).getFirst();
        ticks.take();

        var gate = new ArrayList<Node>(fan(NodeStatus.READY));
        gate.add(node("gate", NodeStatus.COMPLETED));
        change(gate);
        var first = ticks.take();
        assertThat(first)
                .singleElement()
                .satisfies(a -> assertThat(a.delayNanos()).isZero());
        first.getFirst().tick().run();
        assertThat(((RunUpdate.Changes) watch.poll().orElseThrow()).nodes()).hasSize(FAN + 1);

        clock.addAndGet(30 * MS);
        change(fan(NodeStatus.RUNNING));
        var second = ticks.take();
        // 999 node states handed out: the interval, less the 30 ms gone.
        assertThat(second)
                .singleElement()
                .satisfies(a -> assertThat(a.delayNanos()).isEqualTo(70 * MS));
        clock.addAndGet(70 * MS);
        second.getFirst().tick().run();
        var running = (RunUpdate.Changes) watch.poll().orElseThrow();
        assertThat(running.nodes())
                .hasSize(FAN)
                .allSatisfy(n -> assertThat(n.status()).isEqualTo(NodeStatus.RUNNING));
        assertThat(running.completed()).isFalse();
    }
}
