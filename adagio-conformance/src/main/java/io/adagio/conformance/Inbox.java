package io.adagio.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Event;
import io.adagio.core.repository.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * The reading end of a subscription in a test: drains events as they arrive and answers questions
 * about them. Events may be duplicated (they are hints), so questions are about sets of nodes.
 * Backends may deliver asynchronously (etcd watches), so every wait has a deadline.
 */
public final class Inbox {
    private final Subscription subscription;
    private final Duration deadline;
    private final List<Event> received = new ArrayList<>();
    /** Index into {@link #received} where the events not yet looked at by {@link #awaitNewReady} start. */
    private int mark;

    public Inbox(Subscription subscription, Duration deadline) {
        this.subscription = subscription;
        this.deadline = deadline;
    }

    public Subscription subscription() {
        return subscription;
    }

    /** Every event received so far, in arrival order. */
    public synchronized List<Event> received() {
        drain();
        return List.copyOf(received);
    }

    private synchronized void drain() {
        for (var e = subscription.poll(); e.isPresent(); e = subscription.poll()) {
            received.add(e.get());
        }
    }

    /** Distinct node names of events of that type and run received so far. */
    public synchronized Set<String> nodes(Event.Type type, String runId) {
        drain();
        return nodesIn(received, type, runId);
    }

    private static Set<String> nodesIn(List<Event> events, Event.Type type, String runId) {
        var names = new LinkedHashSet<String>();
        for (var e : events) {
            if (e.type() == type && e.runId().equals(runId)) {
                names.add(e.node().name());
            }
        }
        return names;
    }

    /** Waits until NODE_READY has arrived for every one of the nodes. */
    public void awaitReady(String runId, String... nodes) {
        waiting()
                .untilAsserted(() -> assertThat(nodes(Event.Type.NODE_READY, runId))
                        .as("NODE_READY events received for run %s", runId)
                        .contains(nodes));
    }

    /** Waits until NODE_ORPHANED has arrived for every one of the nodes. */
    public void awaitOrphaned(String runId, String... nodes) {
        waiting()
                .untilAsserted(() -> assertThat(nodes(Event.Type.NODE_ORPHANED, runId))
                        .as("NODE_ORPHANED events received for run %s", runId)
                        .contains(nodes));
    }

    /** Waits until NODE_CANCELLED has arrived for the node; answers the first such event. */
    public Event awaitCancelled(String runId, String node) {
        waiting()
                .untilAsserted(() -> assertThat(nodes(Event.Type.NODE_CANCELLED, runId))
                        .as("NODE_CANCELLED events received for run %s", runId)
                        .contains(node));
        return events(Event.Type.NODE_CANCELLED, runId, node).getFirst();
    }

    /** The events of that type received so far for the node, in arrival order. */
    public synchronized List<Event> events(Event.Type type, String runId, String node) {
        drain();
        return received.stream()
                .filter(e -> e.type() == type
                        && e.runId().equals(runId)
                        && e.node().name().equals(node))
                .toList();
    }

    /**
     * Waits for NODE_READY for exactly these nodes among the events received since the previous
     * call: all of them arrive, and no other node of the run is announced ready.
     */
    public void awaitNewReady(String runId, String... nodes) {
        waiting().untilAsserted(() -> assertThat(newReady(runId)).contains(nodes));
        synchronized (this) {
            assertThat(newReady(runId))
                    .as("nodes of run %s announced ready", runId)
                    .containsExactlyInAnyOrder(nodes);
            mark = received.size();
        }
    }

    private synchronized Set<String> newReady(String runId) {
        drain();
        return nodesIn(received.subList(mark, received.size()), Event.Type.NODE_READY, runId);
    }

    private ConditionFactory waiting() {
        return Awaitility.await().atMost(deadline).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }
}
