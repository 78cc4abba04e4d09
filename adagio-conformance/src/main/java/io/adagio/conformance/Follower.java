package io.adagio.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RunUpdate;
import io.adagio.core.repository.RunWatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reading end of a watch in a test: takes updates as they come, checks each against the watch
 * contract (a snapshot or resumed changes first, sequences never going back, a node at most once per
 * update) and rebuilds the run from them, so a test compares what a watcher saw with Inspect.
 */
public final class Follower implements AutoCloseable {
    private final RunWatch watch;
    private final Duration deadline;
    private final Semaphore pending = new Semaphore(0);
    /** Callbacks since the last poll: the contract says at most one. */
    private final AtomicInteger signalsSincePoll = new AtomicInteger();

    private final List<RunUpdate> updates = new ArrayList<>();
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private RunStatus status;
    private Conclusion conclusion;

    /** Watches the run from the start, or resumes after {@code resumeAfter} building on {@code from}. */
    public Follower(Repository repository, String runId, long resumeAfter, Follower from, Duration deadline) {
        this.deadline = deadline;
        if (from != null) {
            nodes.putAll(from.nodes);
            status = from.status;
            conclusion = from.conclusion;
        }
        this.watch = repository.watchRun(runId, resumeAfter, () -> {
            signalsSincePoll.incrementAndGet();
            pending.release();
        });
    }

    public RunWatch watch() {
        return watch;
    }

    /** The pending update, if there is one now. */
    public synchronized Optional<RunUpdate> pollNow() {
        signalsSincePoll.set(0);
        var update = watch.poll();
        update.ifPresent(this::apply);
        return update;
    }

    /** The next update, waiting for it up to the deadline. */
    public RunUpdate next() {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            var update = pollNow();
            if (update.isPresent()) {
                return update.get();
            }
            long left = end - System.nanoTime();
            assertThat(left).as("an update within %s", deadline).isPositive();
            try {
                pending.tryAcquire(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** Takes updates until one says the run is COMPLETED, and returns it. */
    public RunUpdate untilCompleted() {
        while (true) {
            var update = next();
            if (update.completed()) {
                return update;
            }
        }
    }

    private void apply(RunUpdate update) {
        if (!updates.isEmpty()) {
            assertThat(update.sequence())
                    .as("sequences never go back")
                    .isGreaterThanOrEqualTo(updates.getLast().sequence());
            assertThat(update).as("only the first update is a snapshot").isInstanceOf(RunUpdate.Changes.class);
        }
        switch (update) {
            case RunUpdate.Snapshot s -> {
                nodes.clear();
                s.run().nodes().forEach(n -> nodes.put(n.name(), n));
            }
            case RunUpdate.Changes c -> {
                var names = new HashSet<String>();
                for (var n : c.nodes()) {
                    assertThat(names.add(n.name()))
                            .as("node %s once per update", n.name())
                            .isTrue();
                    assertThat(nodes).as("a changed node is a node of the run").containsKey(n.name());
                    nodes.put(n.name(), n);
                }
            }
        }
        status = update.status();
        conclusion = update.conclusion();
        updates.add(update);
    }

    public synchronized List<RunUpdate> updates() {
        return List.copyOf(updates);
    }

    /** The nodes as the updates so far leave them, in the run's order. */
    public synchronized List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    public synchronized RunStatus status() {
        return status;
    }

    public synchronized Conclusion conclusion() {
        return conclusion;
    }

    public synchronized long sequence() {
        return updates.getLast().sequence();
    }

    /** How many times the watch said an update is pending since the last poll. */
    public int signalsSincePoll() {
        return signalsSincePoll.get();
    }

    @Override
    public void close() {
        watch.close();
    }
}
