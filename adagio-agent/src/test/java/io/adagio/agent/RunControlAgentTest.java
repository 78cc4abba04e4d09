package io.adagio.agent;

import static io.adagio.agent.Specs.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.adagio.agent.runtime.Runtime;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.RunStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cancel, node timeouts and retry backoff as agents carry them out, on a real repository and real processes. */
class RunControlAgentTest extends PoolFixture {

    private static Specs.NodeBuilder exec(String... commandAndArgs) {
        var node = task("x", "exec").arg("exec", "command", commandAndArgs[0]);
        return commandAndArgs.length > 1
                ? node.arg("exec", "args", Arrays.copyOfRange(commandAndArgs, 1, commandAndArgs.length))
                : node;
    }

    @Test
    void cancelStopsTheRunningProcessGroupAndNothingOfTheRunStartsAfterwards(@TempDir Path dir) throws Exception {
        var pids = dir.resolve("pids");
        startPool(b -> b.shutdownGracePeriod(Duration.ofSeconds(5)));
        var runId = start(Specs.graph()
                .with(
                        exec(
                                "sh",
                                "-c",
                                "sleep 600 & echo $$ $! > " + pids + ".tmp; mv " + pids + ".tmp " + pids + "; wait"),
                        task("after", "debug"))
                .edge("x", "after")
                .build());
        await().atMost(DEADLINE).until(() -> Files.exists(pids));
        var processes = Arrays.stream(Files.readString(pids).trim().split(" "))
                .map(p -> ProcessHandle.of(Long.parseLong(p)).orElseThrow())
                .toList();
        assertThat(processes).hasSize(2).allMatch(ProcessHandle::isAlive);

        repository.cancelRun(runId);

        var run = awaitCompleted(runId);
        assertThat(run.conclusion()).isEqualTo(Conclusion.CANCELLED);
        var x = node(run, "x");
        assertThat(x.attempts()).singleElement().satisfies(attempt -> {
            assertThat(attempt.conclusion()).isEqualTo(Conclusion.CANCELLED);
            assertThat(attempt.outputText()).contains("run cancelled");
        });
        // the shell and the child it started in the background: the whole process group went
        await().atMost(DEADLINE).until(() -> processes.stream().noneMatch(ProcessHandle::isAlive));
        var after = node(run, "after");
        assertThat(after.attempts()).isEmpty();
        assertThat(after.conclusion()).isEqualTo(Conclusion.CANCELLED);
    }

    @Test
    void aNodeTimeoutStopsTheAttemptAsAnErrorAndTheErrorRuleRetriesIt() {
        startPool();
        var runId = start(
                Specs.single(exec("sleep", "600").timeout(Duration.ofSeconds(1)).retry("error", 2)));

        var x = node(awaitCompleted(runId), "x");

        assertThat(x.attempts()).hasSize(2).allSatisfy(attempt -> {
            assertThat(attempt.conclusion()).isEqualTo(Conclusion.ERROR);
            assertThat(attempt.outputText()).contains("timed out after 1s");
        });
        assertThat(x.conclusion()).isEqualTo(Conclusion.ERROR);
    }

    /** A runtime deaf to interruption: it returns only when the test lets it. */
    private static Runtime stubborn(CountDownLatch release) {
        return Runtime.of("stubborn", context -> {
            while (true) {
                try {
                    release.await();
                    return Result.success("finally");
                } catch (InterruptedException ignored) {
                    // deliberately deaf to interruption
                }
            }
        });
    }

    @Test
    void aTimeoutIsRecordedAfterTheGraceEvenIfTheRuntimeIgnoresBeingStoppedAndItsSlotIsFreed() {
        var release = new CountDownLatch(1);
        try {
            startPool(b -> b.runtime(stubborn(release)).agentCount(1).cancellationTimeout(Duration.ofMillis(100)));
            var runId = start(Specs.single(
                    task("s", "stubborn").timeout(Duration.ofMillis(200)).retry("error", 2)));

            var s = node(awaitCompleted(runId), "s");
            assertThat(s.attempts()).hasSize(2).allSatisfy(attempt -> {
                assertThat(attempt.conclusion()).isEqualTo(Conclusion.ERROR);
                assertThat(attempt.outputText()).contains("timed out after 0.2s");
            });
            // the only worker slot went to a new worker: the pool still executes nodes
            var next = awaitCompleted(start(Specs.single(task("after", "debug"))));
            assertThat(node(next, "after").lastConclusion()).isEqualTo(Conclusion.SUCCESS);
        } finally {
            release.countDown();
        }
    }

    /**
     * The only worker finishes "a" while "b" is announced: it takes b's event ahead, but a's finish
     * claims "s", which a makes ready, and the worker is stuck in s. b runs on the worker that
     * replaces it, not once s's runtime gives up.
     */
    @Test
    void aNodeAnnouncedWhileTheOnlyWorkerIsStuckRunsOnTheWorkerThatReplacesIt() {
        var release = new CountDownLatch(1);
        try {
            startPool(b -> b.runtime(stubborn(release))
                    .agentCount(1)
                    .recordInBackground(false)
                    .cancellationTimeout(Duration.ofMillis(100)));
            var runId = start(Specs.graph()
                    .with(
                            task("r", "debug"),
                            task("a", "debug"),
                            task("b", "debug"),
                            task("s", "stubborn").timeout(Duration.ofMillis(200)))
                    .edge("r", "a")
                    .edge("r", "b")
                    .edge("a", "s")
                    .build());

            await().atMost(DEADLINE).until(() -> node(runId, "b").status() == NodeStatus.COMPLETED);
            assertThat(node(runId, "b").lastConclusion()).isEqualTo(Conclusion.SUCCESS);
            assertThat(release.getCount()).as("s's runtime is still stuck").isEqualTo(1);
            var run = awaitCompleted(runId);
            assertThat(node(run, "s").attempts()).extracting(Result::conclusion).containsExactly(Conclusion.ERROR);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aCancelIsRecordedAfterTheGraceEvenIfTheRuntimeIgnoresBeingStopped() {
        var release = new CountDownLatch(1);
        try {
            var pool = startPool(b -> b.runtime(stubborn(release)).cancellationTimeout(Duration.ofMillis(100)));
            var runId = start(Specs.single(task("s", "stubborn")));
            await().atMost(DEADLINE).until(() -> pool.runningCount() == 1);

            repository.cancelRun(runId);

            var run = awaitCompleted(runId);
            assertThat(run.conclusion()).isEqualTo(Conclusion.CANCELLED);
            assertThat(node(run, "s").attempts()).extracting(Result::conclusion).containsExactly(Conclusion.CANCELLED);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aRetryIsNotStartedBeforeItsBackoffHasPassed() {
        startPool(b -> b.agentCount(2));
        var backoff = new RetryRule.Backoff(Duration.ofMillis(150), Duration.ofSeconds(10), 2.0);
        var runId = start(Specs.single(
                task("x", "debug").arg("debug", "chances", "1 fail").retry("fail", 3, backoff)));

        var x = node(awaitCompleted(runId), "x");

        List<Result> attempts = x.attempts();
        assertThat(attempts)
                .hasSize(3)
                .allSatisfy(a -> assertThat(a.conclusion()).isEqualTo(Conclusion.FAIL));
        // as recorded by the store: each retry was claimed no earlier than the previous finish plus its delay
        assertThat(attempts.get(1).startedAt())
                .isAfterOrEqualTo(attempts.get(0).finishedAt().plusMillis(150));
        assertThat(attempts.get(2).startedAt())
                .isAfterOrEqualTo(attempts.get(1).finishedAt().plusMillis(300));
    }

    @Test
    void aRetryWaitingOutItsBackoffIsTakenByAnotherAgentWhenItsFirstAgentIsGone() {
        var first = startPool(b -> b.agentId("first"));
        var backoff = new RetryRule.Backoff(Duration.ofMillis(500), Duration.ofSeconds(10), 1.0);
        var runId = start(Specs.single(
                task("x", "debug").arg("debug", "chances", "1 fail").retry("fail", 2, backoff)));
        await().atMost(DEADLINE).until(() -> node(runId, "x").attempts().size() == 1);
        first.close();
        assertThat(repository.inspectRun(runId).status()).isEqualTo(RunStatus.RUNNING);

        startPool(b -> b.agentId("second"));

        var x = node(awaitCompleted(runId), "x");
        assertThat(x.attempts()).extracting(Result::agentId).containsExactly("first", "second");
        assertThat(x.status()).isEqualTo(NodeStatus.COMPLETED);
    }
}
