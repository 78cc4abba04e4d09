package io.adagio.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RetryCondition;
import io.adagio.core.model.RetryRule;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import io.adagio.core.model.Stats;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.statistics.Statistics;

/**
 * Drives one run of a {@link RepositoryProperties.Scenario} through a repository with a random
 * interleaving of claims (by several holders, on any node, ready or not), finishes with random
 * conclusions and finishes by claims that do not hold the node; with run control, also cancels (at
 * any moment), reruns of what did not succeed once the run completed (twice at most), and the
 * requests the contract refuses (a rerun of a running run, a CANCELLED result for a run not
 * cancelled). Checks the protocol's invariants at each step and at the end of each round.
 */
final class ControlledRunDriver {
    private static final String[] HOLDERS = {"agent-a", "agent-b", "agent-c"};
    private static final int RERUNS = 2;

    private final Repository repository;
    private final RepositoryProperties.Scenario scenario;
    private final boolean control;
    private final GraphSpec spec;
    private final Map<String, List<String>> upstream = new HashMap<>();
    /** The model: which claim holds each node right now. */
    private final Map<String, Claim> holders = new TreeMap<>();
    /** Per node, how many of its attempts came before the current round (its last rerun). */
    private final Map<String, Integer> roundStart = new HashMap<>();

    private int nextChoice;
    private int nextOutcome;
    private int claimCounter;
    private String runId;
    private boolean cancelled;
    private boolean everCancelled;
    private int reruns;

    ControlledRunDriver(Repository repository, RepositoryProperties.Scenario scenario, boolean control) {
        this.repository = repository;
        this.scenario = scenario;
        this.control = control;
        this.spec = scenario.spec();
        spec.nodes().forEach(n -> upstream.put(n.name(), new ArrayList<>()));
        spec.edges().forEach(e -> upstream.get(e.destination()).add(e.source()));
    }

    void run() {
        runId = repository.startRun(spec).id();
        // Each node has at most 1 + (fail allowance) + (error allowance) attempts per round, each
        // needing a claim and a finish; the random phase is bounded by the choices.
        int bound = scenario.choices().size() + (RERUNS + 1) * (4 * scenario.nodes() * 8 + 10);
        for (int step = 0; step < bound; step++) {
            var run = repository.inspectRun(runId);
            if (run.status() == RunStatus.COMPLETED) {
                assertThat(holders).as("nodes held when the run completed").isEmpty();
                checkRound(run);
                if (!control || reruns == RERUNS || run.conclusion() == Conclusion.SUCCESS) {
                    collectStatistics(run);
                    return;
                }
                rerun(run);
                continue;
            }
            if (nextChoice < scenario.choices().size()) {
                randomStep(run);
            } else {
                progressStep(run);
            }
        }
        throw new AssertionError("run did not complete within " + bound + " steps: " + repository.inspectRun(runId));
    }

    /** The next random decision in [0, bound); 0 once the choices are used up. */
    private int choose(int bound) {
        if (nextChoice >= scenario.choices().size()) {
            return 0;
        }
        return Math.floorMod(scenario.choices().get(nextChoice++), bound);
    }

    private void randomStep(Run run) {
        // Without run control: claim 1/2, finish 1/4, stale finish 1/4 (the choices of the
        // protocol's own property). With it, a twelfth of the steps each cancels, tries a rerun of
        // the running run, or tries a CANCELLED result.
        int step = control ? choose(12) : new int[] {0, 0, 5, 8}[choose(4)];
        if (step < 5) {
            var node = run.nodes().get(choose(run.nodes().size()));
            tryClaim(node, HOLDERS[choose(HOLDERS.length)]);
        } else if (step < 8) {
            if (!holders.isEmpty()) {
                var held = new ArrayList<>(holders.keySet());
                finish(held.get(choose(held.size())), false);
            }
        } else if (step == 8) {
            staleFinish(run.nodes().get(choose(run.nodes().size())));
        } else if (step == 9) {
            cancel(run);
        } else if (step == 10) {
            refusedRerun();
        } else if (!holders.isEmpty()) {
            var held = new ArrayList<>(holders.keySet());
            finish(held.get(choose(held.size())), true);
        }
    }

    /** Ends the round deterministically: finish what is held, else claim what is ready. */
    private void progressStep(Run run) {
        if (!holders.isEmpty()) {
            finish(holders.keySet().iterator().next(), false);
            return;
        }
        var ready =
                run.nodes().stream().filter(n -> n.status() == NodeStatus.READY).findFirst();
        assertThat(ready)
                .as("a run that is not complete, with nothing held, has a ready node: %s", run)
                .isPresent();
        tryClaim(ready.get(), HOLDERS[0]);
    }

    private void tryClaim(Node before, String holder) {
        var claim = new Claim(holder + "-" + (++claimCounter));
        try {
            var result = repository.claimNode(runId, before.name(), claim);
            if (result.claimed()) {
                assertThat(cancelled)
                        .as("%s claimed after its run was cancelled", before.name())
                        .isFalse();
                assertThat(holders).as("%s claimed while held", before.name()).doesNotContainKey(before.name());
                assertThat(before.status()).isIn(NodeStatus.READY, NodeStatus.NONE);
                assertThat(upstream.get(before.name()))
                        .allSatisfy(up -> assertThat(succeeded(up))
                                .as("upstream %s succeeded", up)
                                .isTrue());
                holders.put(before.name(), claim);
            } else {
                assertThat(result.node().status()).isIn(NodeStatus.RUNNING, NodeStatus.COMPLETED);
                if (result.node().status() == NodeStatus.RUNNING) {
                    assertThat(result.node().claim().id())
                            .isEqualTo(holders.get(before.name()).id());
                }
            }
        } catch (RepositoryException.NotReady e) {
            assertThat(before.status()).isEqualTo(NodeStatus.WAITING);
        }
    }

    /** Finishes a held node: with the next outcome, or CANCELLED (refused unless the run was cancelled). */
    private void finish(String name, boolean asCancelled) {
        var claim = holders.get(name);
        int attemptsBefore = node(name).attempts().size();
        var output = (name + "#" + attemptsBefore).getBytes(StandardCharsets.UTF_8);
        if (asCancelled && !cancelled) {
            assertThatThrownBy(() -> repository.finishNode(
                            runId, name, new Result(Conclusion.CANCELLED, Map.of(), output), claim))
                    .isInstanceOf(RepositoryException.InvalidRequest.class);
            var after = node(name);
            assertThat(after.status())
                    .as("%s after a refused CANCELLED result", name)
                    .isEqualTo(NodeStatus.RUNNING);
            assertThat(after.attempts()).hasSize(attemptsBefore);
            return;
        }
        Conclusion conclusion;
        if (asCancelled) {
            conclusion = Conclusion.CANCELLED;
        } else if (nextOutcome < scenario.outcomes().size()) {
            conclusion = scenario.outcomes().get(nextOutcome++);
        } else {
            conclusion = Conclusion.SUCCESS;
        }
        holders.remove(name);
        var after = repository.finishNode(runId, name, new Result(conclusion, Map.of(), output), claim);
        assertThat(after.attempts()).hasSize(attemptsBefore + 1);
        if (cancelled) {
            assertThat(after.status())
                    .as("%s finished after its run was cancelled: no retry", name)
                    .isEqualTo(NodeStatus.COMPLETED);
        } else {
            assertThat(after.status()).isIn(NodeStatus.READY, NodeStatus.COMPLETED);
        }
    }

    private void staleFinish(Node before) {
        var stranger = new Claim("stranger-" + (++claimCounter));
        assertThatThrownBy(() -> repository.finishNode(runId, before.name(), Result.success("x"), stranger))
                .isInstanceOf(RepositoryException.StaleClaim.class);
        var after = node(before.name());
        assertThat(after.attempts()).hasSameSizeAs(before.attempts());
        assertThat(after.status()).isEqualTo(before.status());
    }

    /** Cancels the running run: what waits completes CANCELLED at once, what runs is asked to stop. */
    private void cancel(Run before) {
        var after = repository.cancelRun(runId);
        cancelled = true;
        everCancelled = true;
        for (var was : before.nodes()) {
            var now = after.node(was.name()).orElseThrow();
            assertThat(now.attempts())
                    .as("attempts of %s after the cancel", was.name())
                    .isEqualTo(was.attempts());
            switch (was.status()) {
                case WAITING, READY -> {
                    assertThat(now.status()).as(was.name()).isEqualTo(NodeStatus.COMPLETED);
                    assertThat(now.conclusion()).as(was.name()).isEqualTo(Conclusion.CANCELLED);
                }
                case RUNNING -> {
                    assertThat(now.status()).as(was.name()).isEqualTo(NodeStatus.RUNNING);
                    assertThat(now.cancelRequested()).as(was.name()).isTrue();
                }
                default -> assertThat(now.status()).as(was.name()).isEqualTo(was.status());
            }
        }
        assertThat(repository.cancelRun(runId).nodes())
                .as("a second cancel changes nothing")
                .isEqualTo(after.nodes());
    }

    private void refusedRerun() {
        var before = repository.inspectRun(runId);
        assertThatThrownBy(() -> repository.rerunRun(runId)).isInstanceOf(RepositoryException.FailedPrecondition.class);
        assertThat(repository.inspectRun(runId).nodes()).isEqualTo(before.nodes());
    }

    /** Reruns the completed run: what succeeded stays as it was, the rest starts over. */
    private void rerun(Run before) {
        var after = repository.rerunRun(runId);
        reruns++;
        cancelled = false;
        boolean allSucceeded = before.nodes().stream().allMatch(n -> n.conclusion() == Conclusion.SUCCESS);
        if (allSucceeded) {
            // Cancelled when nothing was left to stop: only the cancel mark goes.
            assertThat(after.nodes()).isEqualTo(before.nodes());
            assertThat(after.conclusion()).isEqualTo(Conclusion.SUCCESS);
            return;
        }
        assertThat(after.status()).as("a rerun run").isNotEqualTo(RunStatus.COMPLETED);
        for (var was : before.nodes()) {
            var now = after.node(was.name()).orElseThrow();
            assertThat(now.attempts())
                    .as("attempts of %s kept by the rerun", was.name())
                    .isEqualTo(was.attempts());
            if (was.conclusion() == Conclusion.SUCCESS) {
                assertThat(now)
                        .as("%s, which succeeded, after the rerun", was.name())
                        .isEqualTo(was);
                continue;
            }
            boolean upstreamSucceeded = upstream.get(was.name()).stream()
                    .allMatch(up -> before.node(up).orElseThrow().conclusion() == Conclusion.SUCCESS);
            assertThat(now.status())
                    .as("%s after the rerun", was.name())
                    .isEqualTo(upstreamSucceeded ? NodeStatus.READY : NodeStatus.WAITING);
            roundStart.put(was.name(), was.attempts().size());
        }
    }

    private Node node(String name) {
        return repository.inspectRun(runId).node(name).orElseThrow();
    }

    private boolean succeeded(String name) {
        return node(name).conclusion() == Conclusion.SUCCESS;
    }

    /** The invariants of a completed round; with its nodes' attempts in this round only. */
    private void checkRound(Run run) {
        var byName = new HashMap<String, Node>();
        run.nodes().forEach(n -> byName.put(n.name(), n));
        boolean allSucceeded = true;
        for (var n : run.nodes()) {
            assertThat(n.status()).as(n.name()).isEqualTo(NodeStatus.COMPLETED);
            allSucceeded &= n.conclusion() == Conclusion.SUCCESS;
            var attempts = n.attempts()
                    .subList(roundStart.getOrDefault(n.name(), 0), n.attempts().size());
            assertThat(n.attempts().stream().filter(r -> r.conclusion() == Conclusion.SUCCESS))
                    .as("successes of %s", n.name())
                    .hasSizeLessThanOrEqualTo(1);
            boolean upstreamSucceeded = upstream.get(n.name()).stream()
                    .allMatch(up -> byName.get(up).conclusion() == Conclusion.SUCCESS);
            if (attempts.isEmpty()) {
                if (cancelled) {
                    assertThat(n.conclusion())
                            .as("%s, never run", n.name())
                            .isIn(Conclusion.CANCELLED, Conclusion.NONE);
                } else {
                    assertThat(upstreamSucceeded)
                            .as("%s, all of whose upstream nodes succeeded, ran", n.name())
                            .isFalse();
                    assertThat(n.conclusion()).as("%s is unreached", n.name()).isEqualTo(Conclusion.NONE);
                }
                continue;
            }
            assertThat(upstreamSucceeded)
                    .as("%s ran: its upstream nodes succeeded", n.name())
                    .isTrue();
            if (cancelled && n.conclusion() == Conclusion.CANCELLED) {
                // Waiting out a retry when the run was cancelled: completed without a new attempt.
                assertThat(n.attempts().getLast().conclusion()).as(n.name()).isNotEqualTo(Conclusion.SUCCESS);
            } else {
                assertThat(n.conclusion())
                        .as(n.name())
                        .isEqualTo(attempts.getLast().conclusion());
            }
            checkAllowance(n, attempts);
            var expectedInputs = new HashMap<String, String>();
            for (var up : upstream.get(n.name())) {
                expectedInputs.put(up, byName.get(up).attempts().getLast().outputText());
            }
            var inputs = new HashMap<String, String>();
            n.inputs().forEach((k, v) -> inputs.put(k, new String(v, StandardCharsets.UTF_8)));
            assertThat(inputs).as("inputs of %s", n.name()).isEqualTo(expectedInputs);
        }
        if (cancelled) {
            assertThat(run.conclusion()).as("a cancelled run's conclusion").isEqualTo(Conclusion.CANCELLED);
        } else {
            assertThat(run.conclusion() == Conclusion.SUCCESS)
                    .as("run conclusion %s, every node succeeded: %s", run.conclusion(), allSucceeded)
                    .isEqualTo(allSucceeded);
        }
        assertThat(repository.stats())
                .isEqualTo(
                        new Stats(1, new Stats.NodeCounts(0, 0, 0, run.nodes().size(), 0)));
    }

    /** A round's attempts stay within the node's retry rules, and give up only when one is used up. */
    private void checkAllowance(Node n, List<Result> attempts) {
        for (var condition : RetryCondition.values()) {
            var conclusion = condition == RetryCondition.FAIL ? Conclusion.FAIL : Conclusion.ERROR;
            long used =
                    attempts.stream().filter(r -> r.conclusion() == conclusion).count();
            int allowed =
                    n.spec().retryRule(condition).map(RetryRule::maxAttempts).orElse(1);
            assertThat(used).as("%s attempts of %s", conclusion, n.name()).isLessThanOrEqualTo(allowed);
            if (!cancelled && attempts.getLast().conclusion() == conclusion) {
                assertThat(used)
                        .as("%s gave up only when %s was exhausted", n.name(), condition)
                        .isEqualTo(allowed);
            }
        }
    }

    private void collectStatistics(Run run) {
        Statistics.label("a node was retried")
                .collect(run.nodes().stream().anyMatch(n -> n.attempts().size() > 1));
        Statistics.label("a node was left unreached")
                .collect(run.nodes().stream().anyMatch(n -> n.attempts().isEmpty()));
        Statistics.label("a node has several upstream nodes")
                .collect(upstream.values().stream().anyMatch(ups -> ups.size() > 1));
        Statistics.label("the run was cancelled").collect(everCancelled);
        Statistics.label("the run was rerun").collect(reruns > 0);
    }
}
