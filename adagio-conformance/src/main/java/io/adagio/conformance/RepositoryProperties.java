package io.adagio.conformance;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.RetryRule;
import io.adagio.core.repository.Repository;
import java.util.ArrayList;
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
 * node is ever claimed by two holders at once; Stats agrees with the finished run. With run
 * control ({@link ControlledRunDriver}): after a cancel nothing is claimed, what waited completes
 * CANCELLED without an attempt and the run concludes CANCELLED; a rerun keeps what succeeded as it
 * was, starts the rest over with its retry rules counting afresh, and the rerun run completes.
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
            new ControlledRunDriver(repository, scenario, false).run();
        }
        // The random walk must really exercise retries, unreached nodes and fan-in, not just
        // happy paths: jqwik fails the property if these get rare.
        Statistics.label("a node was retried").coverage(c -> c.check(true).percentage(p -> p >= 10));
        Statistics.label("a node was left unreached")
                .coverage(c -> c.check(true).percentage(p -> p >= 10));
        Statistics.label("a node has several upstream nodes")
                .coverage(c -> c.check(true).percentage(p -> p >= 10));
    }

    @Property(tries = 300)
    void randomRunsWithCancelsAndRerunsKeepTheirPromises(@ForAll("scenarios") Scenario scenario) {
        try (var repository = createRepository()) {
            new ControlledRunDriver(repository, scenario, true).run();
        }
        Statistics.label("the run was cancelled").coverage(c -> c.check(true).percentage(p -> p >= 10));
        Statistics.label("the run was rerun").coverage(c -> c.check(true).percentage(p -> p >= 10));
        Statistics.label("a node was retried").coverage(c -> c.check(true).percentage(p -> p >= 5));
    }
}
