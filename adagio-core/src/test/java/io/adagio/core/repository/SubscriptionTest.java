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
}
