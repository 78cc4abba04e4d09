package io.adagio.agent;

import static io.adagio.agent.Specs.task;
import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.agent.runtime.Runtime;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Many runs through competing pools: every attempt is executed exactly once. */
class ConcurrencyTest extends PoolFixture {

    /** Counts executions per run and node; fails a third of them so that retries happen. */
    final Map<String, AtomicInteger> executions = new ConcurrentHashMap<>();

    Runtime counting() {
        return Runtime.of("count", context -> {
            executions
                    .computeIfAbsent(context.runId() + "/" + context.nodeName(), k -> new AtomicInteger())
                    .incrementAndGet();
            return ThreadLocalRandom.current().nextInt(3) == 0
                    ? Result.fail("unlucky")
                    : Result.success(context.nodeName());
        });
    }

    static GraphSpec diamondChain() {
        var g = Specs.graph();
        for (var name : List.of("a", "b", "c", "d", "e", "f", "g")) {
            g.with(task(name, "count").retry("fail", 3));
        }
        return g.edge("a", "b")
                .edge("a", "c")
                .edge("b", "d")
                .edge("c", "d")
                .edge("d", "e")
                .edge("d", "f")
                .edge("e", "g")
                .edge("f", "g")
                .build();
    }

    @Test
    void everyAttemptIsExecutedExactlyOnceAcrossCompetingWorkers() {
        var first = startPool(b -> b.agentCount(8).runtime(counting()));
        var second = startPool(b -> b.agentCount(8).runtime(counting()));
        var runs = new ArrayList<String>();
        for (int i = 0; i < 60; i++) {
            runs.add(start(diamondChain()));
        }

        long attempts = 0;
        for (var id : runs) {
            var run = awaitCompleted(id);
            for (var n : run.nodes()) {
                var executed = executions
                        .getOrDefault(id + "/" + n.name(), new AtomicInteger())
                        .get();
                assertThat(executed)
                        .as("executions of %s in run %s", n.name(), id)
                        .isEqualTo(n.attempts().size());
                attempts += n.attempts().size();
                // a node runs again only after a FAIL, and at most three times
                if (!n.attempts().isEmpty()) {
                    assertThat(n.attempts().subList(0, n.attempts().size() - 1))
                            .extracting(Result::conclusion)
                            .allMatch(c -> c == Conclusion.FAIL);
                }
            }
        }
        var total = first.counts().executed() + second.counts().executed();
        assertThat(total).isEqualTo(attempts);
        assertThat(executions.values().stream().mapToInt(AtomicInteger::get).sum())
                .isEqualTo((int) attempts);
        // both pools took part
        assertThat(first.counts().executed()).isPositive();
        assertThat(second.counts().executed()).isPositive();
    }
}
