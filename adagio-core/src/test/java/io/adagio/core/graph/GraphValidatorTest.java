package io.adagio.core.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.RetryRule;
import io.adagio.core.repository.RepositoryException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GraphValidatorTest {
    private final GraphValidator validator = new GraphValidator();

    private static NodeSpec node(String name) {
        return new NodeSpec(name, "debug");
    }

    private static GraphSpec graph(List<NodeSpec> nodes, String... edges) {
        return new GraphSpec(
                nodes,
                Arrays.stream(edges)
                        .map(e -> {
                            var p = e.split("->");
                            return new Edge(p[0], p[1]);
                        })
                        .toList());
    }

    private static GraphSpec graph(String names, String... edges) {
        return graph(
                Arrays.stream(names.split(",")).map(GraphValidatorTest::node).toList(), edges);
    }

    /** The problems a spec is rejected with. */
    private List<String> problems(GraphSpec spec) {
        var thrown = new RepositoryException.InvalidSpec[1];
        assertThatThrownBy(() -> validator.validate(spec))
                .isInstanceOfSatisfying(RepositoryException.InvalidSpec.class, e -> thrown[0] = e);
        assertThat(thrown[0].getMessage()).startsWith("invalid graph spec: ");
        return thrown[0].problems();
    }

    @Test
    void aValidGraphCompilesWithItsUpstreamAndDownstreamIndexed() {
        var graph = validator.validate(
                graph("a,b,c,d,e,f,g", "a->c", "a->d", "b->d", "b->f", "c->e", "d->e", "e->g", "f->g"));
        assertThat(graph.nodes()).extracting(NodeSpec::name).containsExactly("a", "b", "c", "d", "e", "f", "g");
        assertThat(graph.upstream("d")).containsExactlyInAnyOrder("a", "b");
        assertThat(graph.downstream("b")).containsExactlyInAnyOrder("d", "f");
        assertThat(graph.upstream("a")).isEmpty();
        assertThat(graph.downstream("g")).isEmpty();
        assertThat(graph.contains("g")).isTrue();
        assertThat(graph.contains("h")).isFalse();
        assertThat(graph.edges()).hasSize(8);
    }

    @Test
    void eachNodeHasItsSpecPositionAndItsNeighboursInEdgeOrder() {
        var graph = validator.validate(graph("a,b,c,d", "a->d", "c->d", "b->d", "a->b", "a->c"));
        assertThat(graph.size()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(graph.position(graph.nodes().get(i).name())).isEqualTo(i);
        }
        assertThat(graph.position("x")).isEqualTo(-1);
        assertThat(graph.position(null)).isEqualTo(-1);
        assertThat(graph.node("x")).isNull();
        assertThat(graph.upstream("d")).containsExactly("a", "c", "b");
        assertThat(graph.downstream("a")).containsExactly("d", "b", "c");
        assertThat(graph.upstreamCount(graph.position("d"))).isEqualTo(3);
        assertThat(graph.upstreamCount(graph.position("a"))).isZero();
        assertThat(graph.upstream("x")).isEmpty();
        assertThat(graph.downstream("a")).isEqualTo(List.of("d", "b", "c"));
        assertThatThrownBy(() -> graph.downstream("a").add("e")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void everyRepeatOfAnEdgeIsReportedOnceWhereverItComes() {
        assertThat(problems(graph("a,b,c", "a->b", "a->c", "b->c", "a->b", "a->b")))
                .containsExactly("edge \"a\" -> \"b\" is a duplicate edge", "edge \"a\" -> \"b\" is a duplicate edge");
        assertThat(problems(graph("a", "a->a", "a->a")))
                .containsExactly(
                        "edge \"a\" -> \"a\" is a self-loop: a node cannot depend on itself (a cycle)",
                        "edge \"a\" -> \"a\" is a self-loop: a node cannot depend on itself (a cycle)",
                        "edge \"a\" -> \"a\" is a duplicate edge");
    }

    @Test
    void aGraphNeedsAtLeastOneNode() {
        assertThat(problems(new GraphSpec(List.of(), List.of())))
                .singleElement()
                .asString()
                .contains("no nodes");
        assertThat(problems(new GraphSpec(null, null)))
                .singleElement()
                .asString()
                .contains("no nodes");
    }

    @Test
    void nodeNamesMustBeNonEmptyUniqueAndOfTheSafeAlphabet() {
        assertThat(problems(graph(List.of(node("")))))
                .singleElement()
                .asString()
                .contains("node #1")
                .contains("empty name");
        assertThat(problems(graph(List.of(node(null)))))
                .singleElement()
                .asString()
                .contains("empty name");
        assertThat(problems(graph(List.of(node("a b")))))
                .singleElement()
                .asString()
                .contains("\"a b\"")
                .contains("invalid name");
        assertThat(problems(graph(List.of(node("a/b")))))
                .singleElement()
                .asString()
                .contains("\"a/b\"");
        assertThat(problems(graph(List.of(node("x".repeat(254))))))
                .singleElement()
                .asString()
                .contains("invalid name");
        assertThat(problems(graph(List.of(node("a"), node("b"), node("a")))))
                .singleElement()
                .asString()
                .contains("\"a\"")
                .contains("duplicate");
        // Every allowed character, at the maximum length.
        validator.validate(graph(List.of(node("x".repeat(253)), node("Az09._-"))));
    }

    @Test
    void everyNodeNeedsARuntime() {
        assertThat(problems(graph(List.of(new NodeSpec("a", "")))))
                .singleElement()
                .asString()
                .contains("\"a\"")
                .contains("no runtime");
        assertThat(problems(graph(List.of(new NodeSpec("a", null)))))
                .singleElement()
                .asString()
                .contains("no runtime");
        assertThat(problems(graph(List.of(new NodeSpec("a", "  ")))))
                .singleElement()
                .asString()
                .contains("no runtime");
        assertThat(problems(graph(List.of(new NodeSpec("a", "my runtime")))))
                .singleElement()
                .asString()
                .contains("invalid runtime");
    }

    @Test
    void edgesMustNameExistingNodes() {
        assertThat(problems(graph("a", "a->ghost", "phantom->a")))
                .containsExactlyInAnyOrder(
                        "edge \"a\" -> \"ghost\": destination \"ghost\" is not a node of the graph",
                        "edge \"phantom\" -> \"a\": source \"phantom\" is not a node of the graph");
    }

    @Test
    void duplicateEdgesAndSelfLoopsAreRefused() {
        assertThat(problems(graph("a,b", "a->b", "a->b")))
                .singleElement()
                .asString()
                .contains("\"a\" -> \"b\"")
                .contains("duplicate edge");
        assertThat(problems(graph("a", "a->a"))).singleElement().asString().contains("self-loop");
    }

    @Test
    void aCycleIsReportedWithItsNodesInEdgeOrder() {
        var spec = graph("entry,a,b,c,exit", "entry->a", "a->b", "b->c", "c->a", "c->exit");
        var problem = problems(spec).getFirst();
        var matcher = Pattern.compile("the graph has a cycle: (.*)").matcher(problem);
        assertThat(matcher.matches()).as(problem).isTrue();
        var cycle = List.of(matcher.group(1).split(" -> "));
        assertThat(cycle.getFirst()).isEqualTo(cycle.getLast());
        assertThat(cycle.subList(0, cycle.size() - 1)).containsExactlyInAnyOrder("a", "b", "c");
        for (int i = 0; i + 1 < cycle.size(); i++) {
            assertThat(spec.edges())
                    .as("each step of the cycle is an edge")
                    .contains(new Edge(cycle.get(i), cycle.get(i + 1)));
        }
    }

    @Test
    void aCycleIsFoundAmongManyNodes() {
        var nodes = new ArrayList<NodeSpec>();
        var edges = new ArrayList<String>();
        for (int i = 0; i < 2000; i++) {
            nodes.add(node("n" + i));
            if (i > 0) {
                edges.add("n" + (i - 1) + "->n" + i);
            }
        }
        edges.add("n1999->n1000");
        var problem = problems(graph(nodes, edges.toArray(String[]::new))).getFirst();
        var shown = List.of(problem.substring(problem.indexOf(": ") + 2).split(" -> "));
        // The message names the cycle by its first nodes and its length, not by a thousand names.
        assertThat(shown).hasSize(22).contains("... (1000 nodes)").doesNotContain("n999");
        assertThat(shown.getFirst()).isEqualTo(shown.getLast());
        assertThat(shown.getFirst()).startsWith("n1");
        var cycle = GraphValidator.findCycle(graph(nodes, edges.toArray(String[]::new)))
                .orElseThrow();
        assertThat(cycle).hasSize(1001).contains("n1000", "n1999").doesNotContain("n999");
    }

    @Test
    void aRetryRuleOverTheAttemptLimitIsRefusedNamingTheField() {
        var spec = graph(List.of(
                new NodeSpec("a", "debug", Map.of(), Map.of("fail", RetryRule.maxAttempts(Integer.MAX_VALUE)))));
        assertThat(problems(spec))
                .containsExactly("node \"a\" retry \"fail\": max_attempts 2147483647 is over the limit of 100");
        var lower = new GraphValidator(Limits.DEFAULT.withMaxAttempts(3));
        assertThatThrownBy(() -> lower.validate(graph(
                        List.of(new NodeSpec("a", "debug", Map.of(), Map.of("error", RetryRule.maxAttempts(4)))))))
                .hasMessageContaining("max_attempts 4 is over the limit of 3");
        validator.validate(
                graph(List.of(new NodeSpec("a", "debug", Map.of(), Map.of("fail", RetryRule.maxAttempts(100))))));
    }

    @Test
    void metadataWithALoneSurrogateIsRefusedNamingTheField() {
        var spec = graph(List.of(new NodeSpec("a", "debug", Map.of("k", List.of("ok", "bad\ud800")), Map.of())));
        assertThat(problems(spec))
                .containsExactly("node \"a\" metadata \"k\" value #2 is not valid Unicode"
                        + " (a lone UTF-16 surrogate at character 4)");
    }

    @Test
    void retryRulesNeedAKnownConditionAndAtLeastOneAttempt() {
        var retry = new LinkedHashMap<String, RetryRule>();
        retry.put("fail", RetryRule.maxAttempts(0));
        retry.put("error", RetryRule.maxAttempts(-2));
        retry.put("timeout", RetryRule.maxAttempts(2));
        assertThat(problems(graph(List.of(new NodeSpec("a", "debug", Map.of(), retry)))))
                .containsExactlyInAnyOrder(
                        "node \"a\" retry \"fail\": max_attempts must be at least 1, got 0",
                        "node \"a\" retry \"error\": max_attempts must be at least 1, got -2",
                        "node \"a\" has an unknown retry condition \"timeout\": conditions are \"fail\" and \"error\"");
        validator.validate(graph(List.of(new NodeSpec(
                "a", "debug", Map.of(), Map.of("fail", RetryRule.maxAttempts(1), "error", RetryRule.maxAttempts(5))))));
    }

    @Test
    void everyProblemIsReportedTogether() {
        var spec = graph(
                List.of(node("a"), node("a"), node("bad name"), new NodeSpec("c", ""), node("d"), node("e")),
                "a->ghost",
                "d->e",
                "e->d",
                "c->c",
                "bad name->c");
        var problems = problems(spec);
        assertThat(problems).hasSize(6);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("duplicate name"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("\"bad name\" has an invalid name"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("\"c\" has no runtime"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("\"ghost\" is not a node"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("self-loop"));
        assertThat(problems).anySatisfy(p -> assertThat(p).containsAnyOf("cycle: d -> e -> d", "cycle: e -> d -> e"));
        // The edge from the badly named node is not reported again as unknown.
        assertThat(problems).noneSatisfy(p -> assertThat(p).contains("source \"bad name\""));
    }

    @Test
    void sizeLimitsAreEnforcedBeforeAnythingElse() {
        var small = new GraphValidator(new Limits(3, 2, 20, 1024));
        assertThat(small.limits().maxNodes()).isEqualTo(3);
        small.validate(graph("a,b,c", "a->b", "b->c"));
        assertThatThrownBy(() -> small.validate(graph("a,b,c,d")))
                .isInstanceOf(RepositoryException.LimitExceeded.class)
                .hasMessageContaining("4 nodes")
                .hasMessageContaining("3");
        assertThatThrownBy(() -> small.validate(graph("a,b,c", "a->b", "b->c", "a->c")))
                .isInstanceOf(RepositoryException.LimitExceeded.class)
                .hasMessageContaining("3 edges");
        // key (10 bytes) + values: 10 + 11 = 21 bytes, one over the limit; a spec otherwise broken
        // still gets the limit error, so the work a request causes stays bounded.
        var heavy = new NodeSpec("h", "", Map.of("0123456789", List.of("0123456789", "x")), Map.of());
        assertThatThrownBy(() -> small.validate(graph(List.of(heavy))))
                .isInstanceOf(RepositoryException.LimitExceeded.class)
                .hasMessageContaining("\"h\"")
                .hasMessageContaining("21 bytes");
        var atLimit = new NodeSpec("h", "debug", Map.of("0123456789", List.of("0123456789")), Map.of());
        small.validate(graph(List.of(atLimit)));
    }

    @Test
    void defaultLimitsAreThoseOfTheDesignAndLimitsMustBePositive() {
        assertThat(Limits.DEFAULT).isEqualTo(new Limits(100_000, 1_000_000, 256 * 1024, 8 * 1024 * 1024));
        assertThatThrownBy(() -> new Limits(0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        var nodes = new ArrayList<NodeSpec>();
        for (int i = 0; i <= 100_000; i++) {
            nodes.add(node("n" + i));
        }
        assertThatThrownBy(() -> validator.validate(new GraphSpec(nodes, List.of())))
                .isInstanceOf(RepositoryException.LimitExceeded.class)
                .hasMessageContaining("100001 nodes");
        validator.validate(new GraphSpec(nodes.subList(0, 100_000), List.of()));
    }

    @Test
    void timeoutsAndBackoffsMustBePositiveAndConsistentEachProblemNamed() {
        var backoff = (java.util.function.Function<RetryRule.Backoff, NodeSpec>)
                b -> new NodeSpec("n", "debug", Map.of(), Map.of("fail", new RetryRule(3, b)));
        var ok = new RetryRule.Backoff(java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(30), 1.5);
        validator.validate(graph(List.of(backoff.apply(ok), node("t").withTimeout(java.time.Duration.ofSeconds(1)))));
        validator.validate(graph(List.of(backoff.apply(RetryRule.Backoff.of(java.time.Duration.ofSeconds(1))))));

        var problems = problems(graph(List.of(
                node("zero").withTimeout(java.time.Duration.ZERO),
                node("negative").withTimeout(java.time.Duration.ofSeconds(-1)),
                node("huge").withTimeout(java.time.Duration.ofDays(400)),
                new NodeSpec(
                        "b1",
                        "debug",
                        Map.of(),
                        Map.of("error", new RetryRule(2, new RetryRule.Backoff(null, null, 0)))),
                new NodeSpec(
                        "b2",
                        "debug",
                        Map.of(),
                        Map.of(
                                "fail",
                                new RetryRule(
                                        2,
                                        new RetryRule.Backoff(
                                                java.time.Duration.ofSeconds(2),
                                                java.time.Duration.ofSeconds(1),
                                                0.5)))))));
        assertThat(problems)
                .containsExactlyInAnyOrder(
                        "node \"zero\" timeout is 0s: it must be greater than 0",
                        "node \"negative\" timeout is -1s: it must be greater than 0",
                        "node \"huge\" timeout is 34560000s: it must be at most 31536000s (365 days)",
                        "node \"b1\" retry \"error\" backoff has no initial wait: initial must be given and greater than 0",
                        "node \"b2\" retry \"fail\" backoff maximum 1s is shorter than its initial 2s: maximum must be at"
                                + " least initial",
                        "node \"b2\" retry \"fail\" backoff multiplier 0.5 is invalid: it must be at least 1 (0 or absent"
                                + " means 2)");
    }
}
