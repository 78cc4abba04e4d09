package io.adagio.agent;

import static io.adagio.agent.Specs.task;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.adagio.agent.runtime.Runtime;
import io.adagio.agent.runtime.debug.DebugRuntime;
import io.adagio.agent.runtime.exec.ExecRuntime;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.protocol.Protocol;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgentPoolTest extends PoolFixture {

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void theSevenNodeGraphRunsToCompletionWithEveryNodeSucceedingOnce() {
        var pool = startPool();
        var run = awaitCompleted(start(Specs.sevenNodes(task("d", "debug"))));

        assertThat(run.nodes()).allSatisfy(n -> {
            assertThat(n.status()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(n.attempts()).extracting(Result::conclusion).containsExactly(Conclusion.SUCCESS);
        });
        var g = node(run, "g");
        assertThat(g.attempts().getFirst().outputText()).isEqualTo("all done\n");
        assertThat(g.inputs()).containsOnlyKeys("e", "f");
        assertThat(text(g.inputs().get("e")))
                .contains("debug: node \"e\"")
                .contains("concluded success")
                .contains("inputs from c, d");
        assertThat(pool.counts()).isEqualTo(new ExecutionCounts(7, 0, 0, 0, 0));
    }

    @Test
    void aPoolIsOneAgentWithAllItsRuntimes() {
        var pool = startPool(b -> b.agentId("agent-under-test").agentCount(3));
        assertThat(repository.listAgents()).singleElement().satisfies(agent -> {
            assertThat(agent.id()).isEqualTo("agent-under-test");
            // the built-ins and the test runtime, all found through ServiceLoader
            assertThat(agent.runtimes()).containsExactly("debug", "exec", "greeting");
        });
        assertThat(pool.runtimeNames()).containsExactly("debug", "exec", "greeting");
        pool.close();
        assertThat(repository.listAgents()).isEmpty();
    }

    @Test
    void theDefaultAgentIdNamesTheHostAndProcess() {
        var a = startPool();
        var b = startPool();
        assertThat(a.agentId())
                .contains("-" + ProcessHandle.current().pid() + "-")
                .isNotEqualTo(b.agentId());
        assertThat(repository.listAgents()).hasSize(2);
    }

    @ParameterizedTest
    @CsvSource({"fail, FAIL", "error, ERROR"})
    void aFailingNodeConcludesOnceAndLeavesItsDownstreamUnreached(String conclusion, Conclusion expected) {
        var pool = startPool();
        var run = awaitCompleted(start(Specs.sevenNodes(task("d", "debug").arg("debug", "conclusion", conclusion))));

        var d = node(run, "d");
        assertThat(d.attempts()).extracting(Result::conclusion).containsExactly(expected);
        assertThat(d.attempts().getFirst().outputText()).contains("node \"d\"").contains("concluded " + conclusion);
        for (var unreached : List.of("e", "g")) {
            assertThat(node(run, unreached).status()).isEqualTo(NodeStatus.COMPLETED);
            assertThat(node(run, unreached).attempts()).isEmpty();
        }
        for (var fine : List.of("a", "b", "c", "f")) {
            assertThat(node(run, fine).attempts())
                    .extracting(Result::conclusion)
                    .containsExactly(Conclusion.SUCCESS);
        }
        assertThat(pool.counts().executed(expected)).isEqualTo(1);
        assertThat(pool.counts().succeeded()).isEqualTo(4);
    }

    @Test
    void aPanicIsRecordedAsErrorAndTheAgentCarriesOn() {
        var pool = startPool(b -> b.agentCount(1));
        var run = awaitCompleted(start(Specs.single(task("p", "debug").arg("debug", "chances", "1 panic"))));

        var attempt = node(run, "p").attempts().getFirst();
        assertThat(attempt.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(attempt.outputText())
                .contains("node \"p\"")
                .contains("panic")
                .contains("chance \"1 panic\"");
        assertThat(attempt.metadata())
                .containsEntry(AgentPool.EXCEPTION_KEY, List.of(DebugRuntime.DebugPanic.class.getName()));

        // the only worker survived the panic
        var next = awaitCompleted(start(Specs.single(task("q", "debug"))));
        assertThat(node(next, "q").lastConclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(pool.counts()).isEqualTo(new ExecutionCounts(1, 0, 1, 0, 0));
    }

    @Test
    void aCertainChanceIsRetriedUpToTheRetryRule() {
        startPool();
        var failing = start(Specs.graph()
                .with(task("d", "debug").arg("debug", "chances", "1 fail").retry("fail", 3), task("after", "debug"))
                .edge("d", "after")
                .build());
        var erroring = start(Specs.single(
                task("d", "debug").arg("debug", "chances", "0 fail", "1 error").retry("error", 2)));
        var never = start(Specs.single(task("d", "debug").arg("debug", "chances", "0 fail", "0.0 panic")));

        var run = awaitCompleted(failing);
        assertThat(node(run, "d").attempts())
                .extracting(Result::conclusion)
                .containsExactly(Conclusion.FAIL, Conclusion.FAIL, Conclusion.FAIL);
        assertThat(node(run, "after").attempts()).isEmpty();
        assertThat(node(awaitCompleted(erroring), "d").attempts())
                .extracting(Result::conclusion)
                .containsExactly(Conclusion.ERROR, Conclusion.ERROR);
        assertThat(node(awaitCompleted(never), "d").attempts())
                .extracting(Result::conclusion)
                .containsExactly(Conclusion.SUCCESS);
    }

    @Test
    void aFlakyNodeSucceedsWithinItsAttemptsOrRunsOutOfThem() {
        startPool(b -> b.runtime(new DebugRuntime(new Random(7))));
        var runs = new java.util.ArrayList<String>();
        for (int i = 0; i < 20; i++) {
            runs.add(start(Specs.graph()
                    .with(
                            task("d", "debug")
                                    .arg("debug", "chances", "0.5 fail")
                                    .retry("fail", 3),
                            task("after", "debug"))
                    .edge("d", "after")
                    .build()));
        }
        int succeeded = 0;
        for (var id : runs) {
            var run = awaitCompleted(id);
            var attempts =
                    node(run, "d").attempts().stream().map(Result::conclusion).toList();
            assertThat(attempts).hasSizeBetween(1, 3);
            assertThat(attempts.subList(0, attempts.size() - 1)).allMatch(c -> c == Conclusion.FAIL);
            if (attempts.getLast() == Conclusion.SUCCESS) {
                succeeded++;
                assertThat(node(run, "after").lastConclusion()).isEqualTo(Conclusion.SUCCESS);
            } else {
                assertThat(attempts).containsExactly(Conclusion.FAIL, Conclusion.FAIL, Conclusion.FAIL);
                assertThat(node(run, "after").attempts()).isEmpty();
            }
        }
        // with p=0.5 and three tries, all twenty failing for good is practically impossible
        assertThat(succeeded).isPositive();
    }

    @Test
    void debugSleepsBeforeConcluding() {
        startPool();
        var run = awaitCompleted(start(Specs.single(task("s", "debug").arg("debug", "sleep", "50ms"))));
        var n = node(run, "s");
        assertThat(n.attempts().getFirst().outputText()).contains("after sleeping 50ms");
        assertThat(Duration.between(n.startedAt(), n.finishedAt())).isGreaterThanOrEqualTo(Duration.ofMillis(50));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "debug | sleep      | soon       | \"soon\" is not a duration",
                "debug | conclusion | maybe      | \"maybe\" is not success, fail or error",
                "debug | chances    | often fail | \"often\" in \"often fail\" is not a probability",
                "debug | chances    | 0.5 smile  | \"smile\" in \"0.5 smile\" is not success, fail, error or panic",
                "debug | chances    | 2 fail     | not a probability between 0 and 1",
                "debug | sleeep     | 1s         | unknown argument",
                "exec  | timeout    | forever    | \"forever\" is not a duration",
            })
    void aMalformedArgumentIsAnErrorAttemptNamingIt(String runtime, String argument, String value, String problem) {
        var pool = startPool();
        var spec = task("n", runtime).arg(runtime, argument, value);
        if (runtime.equals("exec")) {
            spec.arg("exec", "command", "true");
        }
        var attempt =
                node(awaitCompleted(start(Specs.single(spec))), "n").attempts().getFirst();
        assertThat(attempt.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(attempt.outputText())
                .contains("argument \"" + argument + "\" of runtime \"" + runtime + "\"")
                .contains(problem);
        assertThat(attempt.metadata()).containsEntry(AgentPool.ARGUMENT_KEY, List.of(argument));
        assertThat(pool.counts().errored()).isEqualTo(1);
    }

    @Test
    void aMissingRequiredArgumentIsAnErrorAttemptNamingIt() {
        startPool();
        var attempt = node(awaitCompleted(start(Specs.single(task("x", "exec")))), "x")
                .attempts()
                .getFirst();
        assertThat(attempt.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(attempt.outputText())
                .contains("argument \"command\" of runtime \"exec\"")
                .contains("required")
                .contains("adagio.arguments.exec.command");
    }

    @Test
    void theLegacyMetadataSpellingIsAccepted() {
        startPool();
        var run = awaitCompleted(start(Specs.graph()
                .with(
                        task("d", "debug").meta("adagio.runtime.debug.conclusion", "fail"),
                        task("g", "exec")
                                .meta("adagio.runtime.exec.command", "echo")
                                .meta("adagio.runtime.exec.args", "legacy", "works"))
                .build()));
        assertThat(node(run, "d").lastConclusion()).isEqualTo(Conclusion.FAIL);
        assertThat(node(run, "g").attempts().getFirst().outputText()).isEqualTo("legacy works\n");
    }

    @Test
    void anArgumentCanComeFromAnUpstreamNodesOutput() {
        startPool();
        var run = awaitCompleted(start(Specs.graph()
                .with(
                        task("decide", "exec").arg("exec", "command", "printf").arg("exec", "args", "fail"),
                        task("obey", "debug").input("debug", "conclusion", "decide"),
                        task("word", "exec")
                                .arg("exec", "command", "printf")
                                .arg("exec", "args", "hello-from-upstream"),
                        task("say", "exec").arg("exec", "command", "echo").input("exec", "args", "word"))
                .edge("decide", "obey")
                .edge("word", "say")
                .build()));
        assertThat(node(run, "obey").lastConclusion()).isEqualTo(Conclusion.FAIL);
        assertThat(node(run, "say").attempts().getFirst().outputText()).isEqualTo("hello-from-upstream\n");
    }

    @Test
    void anExceptionThrownByARuntimeIsAnErrorAttemptWithItsMessage() {
        var pool = startPool(b -> b.runtime(Runtime.of("boom", context -> {
                    throw new IllegalStateException("kaput in " + context.nodeName());
                }))
                .runtime(Runtime.of("silent", context -> {
                    throw new UnsupportedOperationException();
                }))
                .runtime(Runtime.of("nothing", context -> null)));
        var run = awaitCompleted(start(Specs.graph()
                .with(task("b", "boom"), task("s", "silent"), task("n", "nothing"))
                .build()));

        var b = node(run, "b").attempts().getFirst();
        assertThat(b.conclusion()).isEqualTo(Conclusion.ERROR);
        assertThat(b.outputText()).isEqualTo("kaput in b");
        assertThat(b.metadata()).containsEntry(AgentPool.EXCEPTION_KEY, List.of(IllegalStateException.class.getName()));
        assertThat(node(run, "s").attempts().getFirst().outputText())
                .isEqualTo(UnsupportedOperationException.class.getName());
        assertThat(node(run, "n").attempts().getFirst().outputText())
                .contains("runtime \"nothing\" returned no conclusion");
        assertThat(pool.counts().errored()).isEqualTo(3);
    }

    @Test
    void aCustomRuntimeOnTheClassPathIsFoundAndRun() {
        startPool();
        var run = awaitCompleted(start(Specs.graph()
                .with(
                        task("hi", "greeting").arg("greeting", "who", "world").arg("greeting", "times", "2"),
                        task("bad", "greeting").arg("greeting", "who", "x").arg("greeting", "times", "0"))
                .build()));
        assertThat(node(run, "hi").attempts().getFirst().outputText()).isEqualTo("hello world\nhello world\n");
        assertThat(node(run, "bad").attempts().getFirst().outputText())
                .isEqualTo("argument \"times\" of runtime \"greeting\": must be at least 1");
    }

    @Test
    void runtimesRegisteredInCodeReplaceOrRestrictTheDiscoveredOnes() {
        var pool = startPool(b ->
                b.runtimes(List.of(new DebugRuntime())).runtime(Runtime.of("custom", c -> Result.success("mine"))));
        assertThat(pool.runtimeNames()).containsExactly("custom", "debug");
        var run = awaitCompleted(start(Specs.single(task("c", "custom"))));
        assertThat(node(run, "c").attempts().getFirst().outputText()).isEqualTo("mine");
        assertThatThrownBy(() -> AgentPool.builder()
                        .repository(repository)
                        .runtimes(List.of(new DebugRuntime(), new DebugRuntime()))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two runtimes are named \"debug\"");
    }

    @Test
    void nodesOfARuntimeThePoolLacksAreLeftForOtherAgents() {
        var pool = startPool(b -> b.runtimes(List.of(new DebugRuntime())));
        var foreign = start(Specs.single(task("x", "exec").arg("exec", "command", "true")));
        var ours = start(Specs.single(task("y", "debug")));
        awaitCompleted(ours);
        assertThat(node(foreign, "x").status()).isEqualTo(NodeStatus.READY);

        // an agent that has the runtime picks it up
        var other = startPool(b -> b.runtimes(List.of(new ExecRuntime())));
        assertThat(node(awaitCompleted(foreign), "x").lastConclusion()).isEqualTo(Conclusion.SUCCESS);
        assertThat(pool.counts().executed()).isEqualTo(1);
        assertThat(other.counts().executed()).isEqualTo(1);
    }

    // ---------------------------------------------------------------- orphans

    /** A runtime whose first execution blocks until released; later ones succeed at once. */
    static final class Gate {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger executions = new AtomicInteger();

        Runtime runtime() {
            return Runtime.of("gate", context -> {
                if (executions.incrementAndGet() == 1) {
                    release.await();
                    return Result.success("first, too late");
                }
                return Result.success("second");
            });
        }
    }

    @Test
    void anOrphanedNodeIsRecordedAsErrorWithoutRunningAndThenRetried() {
        var gate = new Gate();
        var pool = startPool(b -> b.agentCount(3).runtime(gate.runtime()));
        var runId = start(Specs.single(task("x", "gate").retry("error", 2)));
        awaitStatus(runId, "x", NodeStatus.RUNNING);
        await().atMost(DEADLINE).until(() -> gate.executions.get() == 1);

        io.adagio.memory.MemoryLiveness.orphan(repository, runId, "x");
        var run = awaitCompleted(runId);
        assertThat(node(run, "x").attempts())
                .extracting(Result::conclusion, Result::outputText)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Conclusion.ERROR, Protocol.ORPHANED_OUTPUT),
                        org.assertj.core.groups.Tuple.tuple(Conclusion.SUCCESS, "second"));
        assertThat(gate.executions.get()).isEqualTo(2);

        // The first execution ends after all: its claim is stale and its result changes nothing.
        gate.release.countDown();
        await().atMost(DEADLINE).until(() -> pool.counts().resultsDropped() == 1);
        assertThat(node(runId, "x").attempts()).hasSize(2);
        assertThat(pool.counts()).isEqualTo(new ExecutionCounts(1, 0, 0, 1, 1));
    }

    @Test
    void anOrphanedNodeWithoutRetriesEndsWithTheOrphanError() {
        var gate = new Gate();
        startPool(b -> b.agentCount(2).runtime(gate.runtime()));
        var runId = start(Specs.graph()
                .with(task("x", "gate"), task("after", "debug"))
                .edge("x", "after")
                .build());
        await().atMost(DEADLINE).until(() -> gate.executions.get() == 1);

        io.adagio.memory.MemoryLiveness.orphan(repository, runId, "x");
        var run = awaitCompleted(runId);
        assertThat(node(run, "x").attempts()).singleElement().satisfies(r -> {
            assertThat(r.conclusion()).isEqualTo(Conclusion.ERROR);
            assertThat(r.outputText()).isEqualTo(Protocol.ORPHANED_OUTPUT);
        });
        assertThat(node(run, "after").attempts()).isEmpty();
        assertThat(gate.executions.get()).isEqualTo(1);
        gate.release.countDown();
    }

    // ---------------------------------------------------------------- shutdown

    @Test
    void shutdownRecordsANodeStillRunningAfterTheGracePeriodAsErrorSoItsRetryApplies() {
        var pool = startPool(b -> b.shutdownGracePeriod(Duration.ofMillis(100)));
        var runId = start(Specs.graph()
                .with(task("long", "debug").arg("debug", "sleep", "10m").retry("error", 2), task("after", "debug"))
                .edge("long", "after")
                .build());
        awaitStatus(runId, "long", NodeStatus.RUNNING);
        await().atMost(DEADLINE).until(() -> pool.runningCount() == 1);

        pool.close();

        var n = node(runId, "long");
        assertThat(n.attempts()).singleElement().satisfies(r -> {
            assertThat(r.conclusion()).isEqualTo(Conclusion.ERROR);
            assertThat(r.outputText()).isEqualTo(AgentPool.SHUTDOWN_OUTPUT);
        });
        assertThat(n.status()).isEqualTo(NodeStatus.READY); // the retry rule allows a second attempt
        assertThat(pool.counts().errored()).isEqualTo(1);
        assertThat(repository.listAgents()).isEmpty();
        assertThat(pool.isRunning()).isFalse();

        // another agent takes the retry
        var next = startPool(b -> b.shutdownGracePeriod(Duration.ofMillis(100)));
        await().atMost(DEADLINE).until(() -> next.runningCount() == 1);
        next.close();
        assertThat(node(runId, "long").attempts())
                .extracting(Result::outputText)
                .containsExactly(AgentPool.SHUTDOWN_OUTPUT, AgentPool.SHUTDOWN_OUTPUT);
        assertThat(node(runId, "long").status()).isEqualTo(NodeStatus.COMPLETED);
    }

    @Test
    void shutdownLetsRunningNodesFinishWithinTheGracePeriod() {
        var gate = new Gate();
        var pool = startPool(b -> b.shutdownGracePeriod(Duration.ofMinutes(1)).runtime(gate.runtime()));
        var runId = start(Specs.single(task("x", "gate")));
        await().atMost(DEADLINE).until(() -> gate.executions.get() == 1);

        var closing = Thread.ofPlatform().start(pool::close);
        await().atMost(DEADLINE).until(() -> !pool.isRunning());
        assertThat(closing.isAlive()).isTrue(); // still waiting for the node
        gate.release.countDown();
        await().atMost(DEADLINE).until(() -> !closing.isAlive());

        assertThat(node(runId, "x").attempts())
                .extracting(Result::conclusion, Result::outputText)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Conclusion.SUCCESS, "first, too late"));
    }

    @Test
    void aRuntimeThatIgnoresInterruptsIsRecordedAfterTheCancellationTimeout() {
        var release = new CountDownLatch(1);
        var stubborn = Runtime.of("stubborn", context -> {
            while (true) {
                try {
                    release.await();
                    return Result.success("finally");
                } catch (InterruptedException ignored) {
                    // deliberately deaf to interruption
                }
            }
        });
        var pool = startPool(b ->
                b.runtime(stubborn).shutdownGracePeriod(Duration.ZERO).cancellationTimeout(Duration.ofMillis(100)));
        var runId = start(Specs.single(task("s", "stubborn")));
        await().atMost(DEADLINE).until(() -> pool.runningCount() == 1);

        pool.close();
        assertThat(node(runId, "s").attempts())
                .extracting(Result::outputText)
                .containsExactly(AgentPool.SHUTDOWN_OUTPUT);
        release.countDown();
    }

    @Test
    void closingTwiceOrBeforeStartingIsHarmless() {
        var pool = startPool();
        pool.close();
        pool.close();
        var never = AgentPool.builder().repository(repository).build();
        never.close();
        assertThatThrownBy(never::start).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(pool::start).isInstanceOf(IllegalStateException.class);
    }
}
