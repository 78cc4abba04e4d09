package io.adagio.agent;

import static org.awaitility.Awaitility.await;

import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.memory.MemoryRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;

/** A real memory repository and the pools a test starts on it, all closed after the test. */
abstract class PoolFixture {
    static final Duration DEADLINE = Duration.ofSeconds(30);

    final MemoryRepository repository = new MemoryRepository();
    private final List<AgentPool> pools = new ArrayList<>();

    AgentPool startPool(UnaryOperator<AgentPool.Builder> configure) {
        var pool = configure
                .apply(AgentPool.builder().repository(repository).shutdownGracePeriod(Duration.ofSeconds(5)))
                .start();
        pools.add(pool);
        return pool;
    }

    AgentPool startPool() {
        return startPool(b -> b);
    }

    @AfterEach
    void closeAll() {
        pools.forEach(AgentPool::close);
        repository.close();
    }

    String start(GraphSpec spec) {
        return repository.startRun(spec).id();
    }

    Run awaitCompleted(String runId) {
        await().atMost(DEADLINE).until(() -> repository.inspectRun(runId).status() == RunStatus.COMPLETED);
        return repository.inspectRun(runId);
    }

    Node awaitStatus(String runId, String node, NodeStatus status) {
        await().atMost(DEADLINE).until(() -> node(runId, node).status() == status);
        return node(runId, node);
    }

    Node node(String runId, String name) {
        return repository.inspectRun(runId).node(name).orElseThrow();
    }

    static Node node(Run run, String name) {
        return run.node(name).orElseThrow();
    }
}
