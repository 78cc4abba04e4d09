package io.adagio.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InFlightTest {
    private static Execution execution(String claimId, Worker worker) {
        var node = new Node(
                new NodeSpec("n", "debug", Map.of(), Map.of()),
                NodeStatus.RUNNING,
                List.of(),
                Instant.EPOCH,
                null,
                Map.of(),
                new Claim(claimId, Map.of()));
        return new Execution("run", node, node.claim(), "agent", worker, null);
    }

    @Test
    void holdsWhatWasAdmittedUntilItIsReleased() {
        var inFlight = new InFlight();
        var first = new Worker(null, null);
        var a = execution("a", first);
        var b = execution("b", first);
        var c = execution("c", new Worker(null, null));

        assertThat(inFlight.admit(a)).isTrue();
        assertThat(inFlight.admit(b)).isTrue();
        assertThat(inFlight.admit(c)).isTrue();
        inFlight.release(a);

        assertThat(inFlight.size()).isEqualTo(2);
        assertThat(inFlight.byClaim("b")).containsSame(b);
        assertThat(inFlight.byClaim("a")).isEmpty();
        assertThat(inFlight.close()).containsExactlyInAnyOrder(b, c);
        assertThat(inFlight.admit(execution("d", first)))
                .as("admitted after close")
                .isFalse();
    }

    /**
     * Shutdown must stop every attempt that was told it may run: an attempt admitted while close()
     * takes the leftovers is either among them or told not to run, never neither.
     */
    @Test
    void anAttemptAdmittedWhileClosingIsEitherTakenOrToldNotToRun() throws Exception {
        int workers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(workers + 1);
        try {
            for (int round = 0; round < 200; round++) {
                var inFlight = new InFlight();
                var start = new CyclicBarrier(workers + 1);
                var mayRun = new ConcurrentLinkedQueue<Execution>();
                var admitting = new ArrayList<Future<?>>();
                for (int w = 0; w < workers; w++) {
                    var worker = new Worker(null, null);
                    admitting.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < 50; i++) {
                            var e = execution("c" + i, worker);
                            if (inFlight.admit(e)) {
                                mayRun.add(e);
                            }
                        }
                        return null;
                    }));
                }
                var taken = pool.submit(() -> {
                    start.await();
                    return inFlight.close();
                });
                for (var f : admitting) {
                    f.get(10, TimeUnit.SECONDS);
                }
                assertThat(taken.get(10, TimeUnit.SECONDS)).containsAll(mayRun);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
