package io.adagio.daemon.hostile;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a batch of hostile requests got back: answers by status, the requests that went wrong (a
 * 5xx or INTERNAL/UNKNOWN, no answer, an answer slower than the bound, an error without the JSON
 * body or with an overlong message), how many runs were accepted with how many nodes, the slowest
 * answer. Thread-safe: requests are sent from several threads.
 */
final class Tally {
    private final String name;
    private final Duration slow;
    private final AtomicInteger sent = new AtomicInteger();
    private final Map<String, AtomicInteger> byStatus = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger slowAnswers = new AtomicInteger();
    private final AtomicLong slowestNanos = new AtomicLong();
    private final AtomicInteger acceptedRuns = new AtomicInteger();
    private final AtomicInteger acceptedNodes = new AtomicInteger();

    Tally(String name, Duration slow) {
        this.name = name;
        this.slow = slow;
    }

    /** An answer; {@code problem} is non-null when the answer itself is wrong. */
    void answer(String status, Duration took, String request, String problem) {
        sent.incrementAndGet();
        byStatus.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
        slowestNanos.accumulateAndGet(took.toNanos(), Math::max);
        if (took.compareTo(slow) > 0) {
            slowAnswers.incrementAndGet();
        }
        if (problem != null) {
            failures.add(problem + " <- " + request);
        }
    }

    void accepted(int nodes) {
        acceptedRuns.incrementAndGet();
        acceptedNodes.addAndGet(nodes);
    }

    int sent() {
        return sent.get();
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    int slowAnswers() {
        return slowAnswers.get();
    }

    int acceptedRuns() {
        return acceptedRuns.get();
    }

    int acceptedNodes() {
        return acceptedNodes.get();
    }

    @Override
    public String toString() {
        var statuses = new TreeMap<String, Integer>();
        byStatus.forEach((k, v) -> statuses.put(k, v.get()));
        return String.format(
                "%s: %d sent, %d wrong, %d slower than %ss (slowest %d ms), %d runs accepted; answers %s",
                name,
                sent.get(),
                failures.size(),
                slowAnswers.get(),
                slow.toSeconds(),
                Duration.ofNanos(slowestNanos.get()).toMillis(),
                acceptedRuns.get(),
                statuses);
    }
}
