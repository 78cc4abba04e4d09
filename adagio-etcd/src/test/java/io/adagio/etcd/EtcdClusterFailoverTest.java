package io.adagio.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Event;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RepositoryException;
import io.adagio.testkit.etcd.EtcdExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A three-member etcd cluster loses its leader while agents work: every run still completes. */
class EtcdClusterFailoverTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.cluster(3);

    @Test
    void stoppingTheLeaderDuringALoadLosesNoRun() throws Exception {
        var settings = EtcdSettings.of(ETCD.endpoints()).withNamespace("failover-" + UUID.randomUUID());
        try (var api = EtcdRepository.connect(settings);
                var agent = EtcdRepository.connect(settings)) {
            var subscription = agent.subscribe(new Agent("agent", List.of("debug")), EnumSet.of(Event.Type.NODE_READY));
            var stop = new AtomicBoolean();
            var executed = ConcurrentHashMap.<String>newKeySet();
            var worker = Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    try {
                        var event = subscription.poll(Duration.ofMillis(200));
                        if (event.isEmpty()) {
                            continue;
                        }
                        var e = event.get();
                        var claim = new Claim(UUID.randomUUID().toString());
                        // etcd may be electing a leader: the event stays a hint, try until it goes through.
                        retrying(() -> {
                            if (agent.claimNode(e.runId(), e.node().name(), claim)
                                    .claimed()) {
                                retrying(() ->
                                        agent.finishNode(e.runId(), e.node().name(), Result.success("ok"), claim));
                                executed.add(e.runId() + "/" + e.node().name());
                            }
                            return null;
                        });
                    } catch (InterruptedException ex) {
                        return;
                    }
                }
            });
            var runs = new ArrayList<String>();
            for (int i = 0; i < 10; i++) {
                runs.add(retrying(() -> api.startRun(EtcdRepositoryCostTest.layered(10)))
                        .id());
            }
            int leader = ETCD.cluster().leader();
            ETCD.cluster().stop(leader);
            for (int i = 0; i < 10; i++) {
                runs.add(retrying(() -> api.startRun(EtcdRepositoryCostTest.layered(10)))
                        .id());
            }
            Awaitility.await()
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> runs.stream()
                            .allMatch(id -> retrying(() -> api.inspectRun(id)).status() == RunStatus.COMPLETED));
            stop.set(true);
            worker.join();
            assertThat(executed).hasSize(200);
            ETCD.cluster().restart(leader);
        }
    }

    /** Repeats an operation while etcd cannot answer (an election in progress), pausing between tries. */
    static <T> T retrying(java.util.function.Supplier<T> op) {
        var result = new java.util.concurrent.atomic.AtomicReference<T>();
        Awaitility.await("etcd answering")
                .atMost(Duration.ofSeconds(60))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(50))
                .ignoreExceptionsMatching(e -> e instanceof RepositoryException r && r.retryable())
                .until(() -> {
                    result.set(op.get());
                    return true;
                });
        return result.get();
    }
}
