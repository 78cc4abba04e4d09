package io.adagio.core.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.graph.Limits;
import io.adagio.core.graph.RunGraph;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Claim;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Edge;
import io.adagio.core.model.Event;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.Names;
import io.adagio.core.model.Node;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunRef;
import io.adagio.core.model.Stats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The front door: a backend is asked nothing until a request passed every check. */
class ValidatingRepositoryTest {

    /** A backend that only records what it was asked. */
    static final class RecordingBackend extends ValidatingRepository {
        final List<String> asked = new ArrayList<>();

        RecordingBackend() {
            super(new Limits(3, 3, 100, 1000));
        }

        @Override
        protected Run start(RunGraph graph) {
            asked.add("start " + graph.nodes().size());
            return null;
        }

        @Override
        protected Run inspect(String runId) {
            asked.add("inspect " + runId);
            return null;
        }

        @Override
        protected ClaimResult claim(String runId, String node, Claim claim) {
            asked.add("claim " + node);
            return null;
        }

        @Override
        protected Finished finish(String runId, String node, Result result, Claim claim, NextClaim next) {
            asked.add("finish " + node);
            return new Finished(
                    new Node(
                            new NodeSpec(node, "exec"),
                            NodeStatus.COMPLETED,
                            List.of(),
                            null,
                            null,
                            Map.of(),
                            claim,
                            result.conclusion(),
                            null,
                            false),
                    null);
        }

        @Override
        protected void delete(String runId) {
            asked.add("delete " + runId);
        }

        @Override
        protected List<RunRef> oldest(RunRef after, int limit) {
            asked.add("oldest " + (after == null ? null : after.id()) + " " + limit);
            return List.of();
        }

        @Override
        protected Run cancel(String runId) {
            asked.add("cancel " + runId);
            return null;
        }

        @Override
        protected Run rerun(String runId) {
            asked.add("rerun " + runId);
            return null;
        }

        @Override
        protected Subscription register(Agent agent, Set<Event.Type> types) {
            asked.add("register " + agent.id() + " " + types);
            return null;
        }

        @Override
        protected RunWatch watch(String runId, long resumeAfter, Runnable onUpdate) {
            asked.add("watch " + runId + " " + resumeAfter);
            return null;
        }

        @Override
        public List<Run> listRuns(RunQuery query) {
            return List.of();
        }

        @Override
        public Stats stats() {
            return new Stats(0, Stats.NodeCounts.ZERO);
        }

        @Override
        public List<Agent> listAgents() {
            return List.of();
        }

        @Override
        public void close() {}
    }

    @Test
    void invalidOrOversizedSpecsNeverReachTheBackend() {
        var backend = new RecordingBackend();
        assertThatThrownBy(() -> backend.startRun(new GraphSpec(List.of(), List.of())))
                .isInstanceOf(RepositoryException.InvalidSpec.class);
        var four = List.of(node("a"), node("b"), node("c"), node("d"));
        assertThatThrownBy(() -> backend.startRun(new GraphSpec(four, List.of())))
                .isInstanceOf(RepositoryException.LimitExceeded.class);
        assertThatThrownBy(() -> backend.startRun(null)).isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThat(backend.asked).isEmpty();

        backend.startRun(new GraphSpec(List.of(node("a"), node("b")), List.of(new Edge("a", "b"))));
        assertThat(backend.asked).containsExactly("start 2");
    }

    @Test
    void badIdsAndNamesNeverReachTheBackend() {
        var backend = new RecordingBackend();
        var ok = new Claim("01JX00000000000000000CLAIM");
        assertThatThrownBy(() -> backend.claimNode("run", "a", new Claim("")))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThatThrownBy(() -> backend.claimNode("run", "a/b", ok)).isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> backend.claimNode("r/un", "a", ok)).isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> backend.finishNode("run", "a", null, ok))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThatThrownBy(() -> backend.finishNode("run", "a", Result.success(""), new Claim("a b")))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThatThrownBy(() -> backend.inspectRun("")).isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> backend.cancelRun("r/un")).isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> backend.rerunRun(null)).isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> backend.finishNode("run", "a", new Result(Conclusion.NONE, null, null), ok))
                .isInstanceOf(RepositoryException.InvalidRequest.class)
                .hasMessageContaining("CANCELLED");
        assertThatThrownBy(() -> backend.subscribe(new Agent("pool/1", List.of()), Set.of()))
                .isInstanceOf(RepositoryException.InvalidRequest.class)
                .hasMessageContaining("\"pool/1\"");
        assertThatThrownBy(() -> backend.watchRun("r/un", 0, () -> {}))
                .isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> backend.watchRun("run", 0, null))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThat(backend.asked).isEmpty();

        backend.claimNode("run", "a", ok);
        backend.finishNode("run", "a", Result.success(""), ok);
        backend.inspectRun("run");
        backend.subscribe(new Agent("host:7890@pool-1", List.of()), null);
        backend.finishNode("run", "a", Result.cancelled("stopped"), ok);
        backend.cancelRun("run");
        backend.rerunRun("run");
        assertThat(backend.asked)
                .containsExactly(
                        "claim a",
                        "finish a",
                        "inspect run",
                        "register host:7890@pool-1 []",
                        "finish a",
                        "cancel run",
                        "rerun run");
        backend.watchRun("run", -3, () -> {});
        assertThat(backend.asked.getLast()).as("a negative sequence means none").isEqualTo("watch run 0");
        backend.subscribe(new Agent("x", List.of()), EnumSet.of(Event.Type.NODE_READY));
        assertThat(backend.asked.getLast()).isEqualTo("register x [NODE_READY]");
    }

    @Test
    void idsAcceptedBeforeOnTheSameThreadDoNotLetABadOneThrough() {
        var backend = new RecordingBackend();
        var ok = new Claim("01JX00000000000000000CLAIM");
        backend.claimNode("run", "a", ok);
        backend.finishNode("run", "a", Result.success(""), ok);
        assertThatThrownBy(() -> backend.claimNode("r/un", "a", ok)).isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> backend.claimNode("run", "a", new Claim("a b")))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThatThrownBy(() -> backend.claimNode(null, "a", ok)).isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> backend.claimNode("run", "a", new Claim(null)))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        backend.claimNode("run", "b", ok);
        assertThat(backend.asked).containsExactly("claim a", "finish a", "claim b");
    }

    @Test
    void deletesAndRetentionPagesAreCheckedFirst() {
        var backend = new RecordingBackend();
        assertThatThrownBy(() -> backend.deleteRun("r/un")).isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> backend.deleteRun(null)).isInstanceOf(RepositoryException.NotFound.class);
        assertThatThrownBy(() -> backend.oldestRuns(null, 0))
                .isInstanceOf(RepositoryException.InvalidRequest.class)
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> backend.oldestRuns(new RunRef("a b", Instant.EPOCH), 10))
                .isInstanceOf(RepositoryException.InvalidRequest.class);
        assertThat(backend.asked).isEmpty();

        backend.deleteRun("run");
        backend.oldestRuns(null, 10);
        backend.oldestRuns(new RunRef("run", Instant.EPOCH), 1);
        assertThat(backend.asked).containsExactly("delete run", "oldest null 10", "oldest run 1");
    }

    @Test
    void namesAndIdsHaveOneAlphabetEachAndLongValuesAreQuotedShort() {
        assertThat(Names.isName("a.b_c-1")).isTrue();
        assertThat(Names.isName("a:b")).isFalse();
        assertThat(Names.isId("host:1@pool.a_b-c")).isTrue();
        assertThat(Names.isId("x".repeat(253))).isTrue();
        for (var bad : new String[] {null, "", "x".repeat(254), "a/b", "a b", "é", "a\u0000"}) {
            assertThat(Names.isId(bad)).as("%s", bad).isFalse();
            assertThat(Names.isName(bad)).as("%s", bad).isFalse();
        }
        assertThat(Names.quote("x".repeat(500))).hasSizeLessThan(240).contains("500 characters");
        assertThat(Names.quote(null)).isEqualTo("nothing");
    }

    private static NodeSpec node(String name) {
        return new NodeSpec(name, "debug");
    }
}
