package io.adagio.core.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SubscriptionTest {
    private static final Event EVENT = Event.ready("r", new NodeSpec("a", "debug"));

    @Test
    void deliversInOrderAndClosesOnce() {
        var closes = new AtomicInteger();
        var s = new Subscription(new Agent("x", List.of("debug")), closes::incrementAndGet);
        var second = Event.orphaned("r", new NodeSpec("b", "debug"));
        s.offer(EVENT);
        s.offer(second);
        assertThat(s.poll()).contains(EVENT);
        assertThat(s.poll()).contains(second);
        assertThat(s.poll()).isEmpty();
        s.offer(EVENT);
        s.close();
        s.close();
        assertThat(closes).hasValue(1);
        assertThat(s.isClosed()).isTrue();
        assertThat(s.poll()).as("events are dropped on close").isEmpty();
        s.offer(EVENT);
        assertThat(s.poll()).as("events offered after close are dropped").isEmpty();
    }

    @Test
    void closeWakesEveryBlockedConsumer() throws Exception {
        var s = new Subscription(new Agent("x", List.of()), () -> {});
        @SuppressWarnings({"unchecked", "rawtypes"})
        CompletableFuture<Boolean>[] results = new CompletableFuture[2];
        var threads = new Thread[2];
        for (int i = 0; i < 2; i++) {
            var result = new CompletableFuture<Boolean>();
            results[i] = result;
            threads[i] = Thread.ofPlatform().start(() -> result.complete(pollLong(s)));
        }
        // Close only once both consumers are blocked inside poll, waiting far longer than the test.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (var t : threads) {
            while (t.getState() != Thread.State.TIMED_WAITING) {
                assertThat(System.nanoTime()).as("consumer blocked in poll").isLessThan(deadline);
                Thread.onSpinWait();
            }
        }
        s.close();
        for (var r : results) {
            assertThat(r.get(30, TimeUnit.SECONDS)).isEqualTo(false);
        }
    }

    private static boolean pollLong(Subscription s) {
        try {
            return s.poll(Duration.ofMinutes(10)).isPresent();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Producers offer while consumers take, some waiting in poll(timeout) with a timeout far longer
     * than the test, others polling: every event is taken exactly once, and none waits for a timeout.
     */
    @Test
    void everyEventOfferedIsTakenOnceAndAWaitingConsumerWakesForIt() throws Exception {
        var s = new Subscription(new Agent("x", List.of("debug")), () -> {});
        int producers = 2;
        int perProducer = 20_000;
        int total = producers * perProducer;
        var seen = new java.util.concurrent.ConcurrentHashMap<String, Boolean>();
        var duplicates = new AtomicInteger();
        var taken = new AtomicInteger();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(producers + 4);
        try {
            var consumers = new java.util.ArrayList<java.util.concurrent.Future<?>>();
            for (int c = 0; c < 4; c++) {
                boolean waits = c % 2 == 0;
                consumers.add(pool.submit(() -> {
                    while (taken.get() < total) {
                        var e = waits ? s.poll(Duration.ofMinutes(10)) : s.poll();
                        if (e.isEmpty()) {
                            if (s.isClosed()) {
                                return null;
                            }
                            continue;
                        }
                        if (seen.put(e.get().node().name(), true) != null) {
                            duplicates.incrementAndGet();
                        }
                        if (taken.incrementAndGet() == total) {
                            // The waiting consumers wake for the close, not for their timeout.
                            s.close();
                        }
                    }
                    return null;
                }));
            }
            for (int p = 0; p < producers; p++) {
                int from = p * perProducer;
                pool.submit(() -> {
                    for (int i = from; i < from + perProducer; i++) {
                        s.offer(Event.ready("r", new NodeSpec("n" + i, "debug")));
                    }
                });
            }
            for (var c : consumers) {
                c.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(duplicates).hasValue(0);
        assertThat(seen).hasSize(total);
    }

    @Test
    void aConsumerWaitingForAnEventWakesWhenOneIsOffered() throws Exception {
        var s = new Subscription(new Agent("x", List.of("debug")), () -> {});
        for (int round = 0; round < 100; round++) {
            var waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return s.poll(Duration.ofMinutes(10));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            s.offer(EVENT);
            assertThat(waiting.get(30, TimeUnit.SECONDS)).contains(EVENT);
        }
    }
}
