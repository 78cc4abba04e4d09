package io.adagio.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
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
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Property-based check of the protocol through a repository: random small DAGs with random retry
 * rules, driven to completion by a random interleaving of claims (by several holders, on any node,
 * ready or not), finishes with random conclusions, and finishes by claims that do not hold the node.
 * A backend's test extends this class and supplies a fresh repository per try.
 *
 * <p>Invariants: every run completes; a node has attempts only if all its upstream nodes succeeded
 * (and, the run being complete, has none otherwise); attempts never exceed the retry allowance; no
 * node is ever claimed by two holders at once; Stats agrees with the finished run.
 */
public abstract class RepositoryProperties {
    private static final int MAX_NODES = 7;
    private static final String[] HOLDERS = {"agent-a", "agent-b", "agent-c"};

    /** A fresh, empty repository; closed at the end of the try. */
    protected abstract Repository createRepository();

    /**
     * @param edges     pairs (i, j) with i < j, so the graph is acyclic by construction
     * @param failMax   per node, max_attempts for fail; 0 = no rule
     * @param errorMax  per node, max_attempts for error; 0 = no rule
     * @param choices   the random decisions that drive the interleaving; once used up, the run is
     *                  driven to completion deterministically
     * @param outcomes  the conclusion of each finish in turn; SUCCESS once used up
     */
    public record Scenario(
            int nodes,
            List<int[]> edges,
            List<Integer> failMax,
            List<Integer> errorMax,
            List<Integer> choices,
            List<Conclusion> outcomes) {
        GraphSpec spec() {
            var specs = new ArrayList<NodeSpec>();
            for (int i = 0; i < nodes; i++) {
                var retry = new TreeMap<String, RetryRule>();
                if (failMax.get(i) > 0) {
                    retry.put("fail", RetryRule.maxAttempts(failMax.get(i)));
                }
                if (errorMax.get(i) > 0) {
                    retry.put("error", RetryRule.maxAttempts(errorMax.get(i)));
                }
                specs.add(new NodeSpec(name(i), Graphs.RUNTIME, Map.of(), retry));
            }
            return new GraphSpec(
                    specs,
                    edges.stream().map(e -> new Edge(name(e[0]), name(e[1]))).toList());
        }

        static String name(int i) {
            return "n" + i;
        }

        @Override
        public String toString() {
            var sb = new StringBuilder("Scenario[nodes=").append(nodes).append(", edges=");
            edges.forEach(
                    e -> sb.append(name(e[0])).append("->").append(name(e[1])).append(' '));
            return sb.append(", failMax=")
                    .append(failMax)
                    .append(", errorMax=")
                    .append(errorMax)
                    .append(", choices=")
                    .append(choices.size())
                    .append(", outcomes=")
                    .append(outcomes)
                    .append(']')
                    .toString();
        }
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        return Arbitraries.integers().between(1, MAX_NODES).flatMap(n -> {
            var pairs = new ArrayList<int[]>();
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    pairs.add(new int[] {i, j});
                }
            }
            // Sparse-ish graphs: about one pair in three is an edge.
            Arbitrary<List<Boolean>> edgeMask = Arbitraries.frequency(Tuple.of(1, true), Tuple.of(2, false))
                    .list()
                    .ofSize(pairs.size());
            Arbitrary<List<Integer>> failMax =
                    Arbitraries.integers().between(0, 3).list().ofSize(n);
            Arbitrary<List<Integer>> errorMax =
                    Arbitraries.integers().between(0, 3).list().ofSize(n);
            Arbitrary<List<Integer>> choices =
                    Arbitraries.integers().between(0, 1 << 20).list().ofMaxSize(120);
            Arbitrary<List<Conclusion>> outcomes = Arbitraries.frequency(
                            Tuple.of(2, Conclusion.SUCCESS),
                            Tuple.of(1, Conclusion.FAIL),
                            Tuple.of(1, Conclusion.ERROR))
                    .list()
                    .ofMaxSize(40);
            return Combinators.combine(edgeMask, failMax, errorMax, choices, outcomes)
                    .as((mask, fail, error, choice, outcome) -> {
                        var edges = new ArrayList<int[]>();
                        for (int k = 0; k < pairs.size(); k++) {
                            if (mask.get(k)) {
                                edges.add(pairs.get(k));
                            }
                        }
                        return new Scenario(n, edges, fail, error, choice, outcome);
                    });
        });
    }

    @Property(tries = 1000)
    void randomRunsCompleteAndKeepTheProtocolsInvariants(@ForAll("scenarios") Scenario scenario) {
        try (var repository = createRepository()) {
            new Driver(repository, scenario).run();
        }
        // The random walk must really exercise retries, unreached nodes and fan-in, not just
        // happy paths: jqwik fails the property if these get rare.
        Statistics.label("a node was retried").coverage(c -> c.check(true).percentage(p -> p >= 10));
        Statistics.label("a node was left unreached")
                .coverage(c -> c.check(true).percentage(p -> p >= 10));
        Statistics.label("a node has several upstream nodes")
                .coverage(c -> c.check(true).percentage(p -> p >= 10));
    }

    /** Drives one run of a scenario and checks the invariants along the way and at the end. */
    private static final class Driver {
        private final Repository repository;
        private final Scenario scenario;
        private final GraphSpec spec;
        private final Map<String, List<String>> upstream = new HashMap<>();
        /** The model: which claim holds each node right now. */
        private final Map<String, Claim> holders = new TreeMap<>();

        private int nextChoice;
        private int nextOutcome;
        private int claimCounter;
        private String runId;

        Driver(Repository repository, Scenario scenario) {
            this.repository = repository;
            this.scenario = scenario;
            this.spec = scenario.spec();
            spec.nodes().forEach(n -> upstream.put(n.name(), new ArrayList<>()));
            spec.edges().forEach(e -> upstream.get(e.destination()).add(e.source()));
        }

        void run() {
            runId = repository.startRun(spec).id();
            // Each node has at most 1 + (fail allowance) + (error allowance) attempts, each needing a
            // claim and a finish; the random phase is bounded by the choices.
            int bound = scenario.choices().size() + 4 * scenario.nodes() * 8 + 10;
            for (int step = 0; step < bound; step++) {
                var run = repository.inspectRun(runId);
                if (run.status() == RunStatus.COMPLETED) {
                    assertThat(holders).as("nodes held when the run completed").isEmpty();
                    checkFinalInvariants(run);
                    return;
                }
                if (nextChoice < scenario.choices().size()) {
                    randomStep(run);
                } else {
                    progressStep(run);
                }
            }
            throw new AssertionError(
                    "run did not complete within " + bound + " steps: " + repository.inspectRun(runId));
        }

        /** The next random decision in [0, bound); 0 once the choices are used up. */
        private int choose(int bound) {
            if (nextChoice >= scenario.choices().size()) {
                return 0;
            }
            return Math.floorMod(scenario.choices().get(nextChoice++), bound);
        }

        private void randomStep(Run run) {
            switch (choose(4)) {
                case 0, 1 -> {
                    var node = run.nodes().get(choose(run.nodes().size()));
                    tryClaim(node, HOLDERS[choose(HOLDERS.length)]);
                }
                case 2 -> {
                    if (holders.isEmpty()) {
                        return;
                    }
                    var held = new ArrayList<>(holders.keySet());
                    var name = held.get(choose(held.size()));
                    finish(name);
                }
                default -> {
                    var node = run.nodes().get(choose(run.nodes().size()));
                    staleFinish(node);
                }
            }
        }

        /** Ends the run deterministically: finish what is held, else claim what is ready. */
        private void progressStep(Run run) {
            if (!holders.isEmpty()) {
                finish(holders.keySet().iterator().next());
                return;
            }
            var ready = run.nodes().stream()
                    .filter(n -> n.status() == NodeStatus.READY)
                    .findFirst();
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
                    assertThat(holders)
                            .as("%s claimed while held", before.name())
                            .doesNotContainKey(before.name());
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

        private void finish(String name) {
            var conclusion = nextOutcome < scenario.outcomes().size()
                    ? scenario.outcomes().get(nextOutcome++)
                    : Conclusion.SUCCESS;
            var claim = holders.remove(name);
            int attemptsBefore = node(name).attempts().size();
            var output = (name + "#" + attemptsBefore).getBytes(StandardCharsets.UTF_8);
            var after = repository.finishNode(runId, name, new Result(conclusion, Map.of(), output), claim);
            assertThat(after.attempts()).hasSize(attemptsBefore + 1);
            assertThat(after.status()).isIn(NodeStatus.READY, NodeStatus.COMPLETED);
        }

        private void staleFinish(Node before) {
            var stranger = new Claim("stranger-" + (++claimCounter));
            assertThatThrownBy(() -> repository.finishNode(runId, before.name(), Result.success("x"), stranger))
                    .isInstanceOf(RepositoryException.StaleClaim.class);
            var after = node(before.name());
            assertThat(after.attempts()).hasSameSizeAs(before.attempts());
            assertThat(after.status()).isEqualTo(before.status());
        }

        private Node node(String name) {
            return repository.inspectRun(runId).node(name).orElseThrow();
        }

        private boolean succeeded(String name) {
            return node(name).lastConclusion() == Conclusion.SUCCESS;
        }

        private void checkFinalInvariants(Run run) {
            var byName = new HashMap<String, Node>();
            run.nodes().forEach(n -> byName.put(n.name(), n));
            for (var n : run.nodes()) {
                assertThat(n.status()).as(n.name()).isEqualTo(NodeStatus.COMPLETED);
                boolean upstreamSucceeded = upstream.get(n.name()).stream()
                        .allMatch(up -> byName.get(up).lastConclusion() == Conclusion.SUCCESS);
                if (!upstreamSucceeded) {
                    assertThat(n.attempts()).as("%s is unreached", n.name()).isEmpty();
                    continue;
                }
                assertThat(n.attempts())
                        .as("%s, all of whose upstream nodes succeeded, ran", n.name())
                        .isNotEmpty();
                long successes = n.attempts().stream()
                        .filter(r -> r.conclusion() == Conclusion.SUCCESS)
                        .count();
                assertThat(successes).isLessThanOrEqualTo(1);
                if (successes == 1) {
                    assertThat(n.lastConclusion()).isEqualTo(Conclusion.SUCCESS);
                }
                for (var condition : RetryCondition.values()) {
                    var conclusion = condition == RetryCondition.FAIL ? Conclusion.FAIL : Conclusion.ERROR;
                    long used = n.attempts().stream()
                            .filter(r -> r.conclusion() == conclusion)
                            .count();
                    int allowed = n.spec()
                            .retryRule(condition)
                            .map(RetryRule::maxAttempts)
                            .orElse(1);
                    assertThat(used)
                            .as("%s attempts of %s", conclusion, n.name())
                            .isLessThanOrEqualTo(allowed);
                    if (n.lastConclusion() == conclusion) {
                        assertThat(used)
                                .as("%s gave up only when %s was exhausted", n.name(), condition)
                                .isEqualTo(allowed);
                    }
                }
                var expectedInputs = new HashMap<String, String>();
                for (var up : upstream.get(n.name())) {
                    expectedInputs.put(up, byName.get(up).attempts().getLast().outputText());
                }
                var inputs = new HashMap<String, String>();
                n.inputs().forEach((k, v) -> inputs.put(k, new String(v, StandardCharsets.UTF_8)));
                assertThat(inputs).as("inputs of %s", n.name()).isEqualTo(expectedInputs);
            }
            assertThat(repository.stats())
                    .isEqualTo(new Stats(
                            1, new Stats.NodeCounts(0, 0, 0, run.nodes().size(), 0)));
            Statistics.label("a node was retried")
                    .collect(run.nodes().stream().anyMatch(n -> n.attempts().size() > 1));
            Statistics.label("a node was left unreached")
                    .collect(run.nodes().stream().anyMatch(n -> n.attempts().isEmpty()));
            Statistics.label("a node has several upstream nodes")
                    .collect(upstream.values().stream().anyMatch(ups -> ups.size() > 1));
        }
    }
}
