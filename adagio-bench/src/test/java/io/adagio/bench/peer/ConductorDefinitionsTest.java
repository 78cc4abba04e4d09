package io.adagio.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.adagio.bench.Shapes;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Conductor definitions the bench registers, and the jar's checksum handling: no network. */
class ConductorDefinitionsTest {

    @Test
    void theSevenNodeExampleRunsInLayersThatKeepEveryEdge() {
        var graph = Shapes.sevenNodes();
        assertThat(ConductorDefinitions.layers(graph))
                .containsExactly(List.of("a", "b"), List.of("c", "d", "f"), List.of("e"), List.of("g"));

        var wf = ConductorDefinitions.workflow("seven", graph);
        assertThat(wf.get("name").asText()).isEqualTo("seven");
        assertThat(wf.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(types(wf)).containsExactly("FORK_JOIN", "JOIN", "FORK_JOIN", "JOIN", "SIMPLE", "SIMPLE");
        // Every node is one SIMPLE task of the bench's task type, and every edge goes forward.
        var position = simpleTaskPositions(wf);
        assertThat(position.keySet()).containsExactlyInAnyOrder("a", "b", "c", "d", "e", "f", "g");
        for (Edge e : graph.edges()) {
            assertThat(position.get(e.source())).as(e.toString()).isLessThan(position.get(e.destination()));
        }
    }

    @Test
    void aFanOutIsOneForkOfOneTaskBranchesJoinedOnAllOfThem() {
        var wf = ConductorDefinitions.workflow("wide", Shapes.fanOutFanIn(1_002));
        var tasks = wf.get("tasks");
        assertThat(types(wf)).containsExactly("SIMPLE", "FORK_JOIN", "JOIN", "SIMPLE");
        var branches = tasks.get(1).get("forkTasks");
        assertThat(branches).hasSize(1_000);
        assertThat(branches).allSatisfy(b -> assertThat(b).hasSize(1));
        var joinOn = new ArrayList<String>();
        tasks.get(2).get("joinOn").forEach(j -> joinOn.add(j.asText()));
        var branchRefs = new ArrayList<String>();
        branches.forEach(b -> branchRefs.add(b.get(0).get("taskReferenceName").asText()));
        assertThat(joinOn).hasSize(1_000).containsExactlyElementsOf(branchRefs);
        assertThat(tasks.get(0).get("taskReferenceName").asText()).isEqualTo("fan_out");
        assertThat(tasks.get(3).get("taskReferenceName").asText()).isEqualTo("fan_in");
    }

    @Test
    void aLongChainNeedsNoForkAndNoDeepStack() {
        var wf = ConductorDefinitions.workflow("chain", Shapes.chain(5_000));
        assertThat(wf.get("tasks")).hasSize(5_000);
        assertThat(types(wf)).containsOnly("SIMPLE");
    }

    @Test
    void cyclesAndUnknownNodesAreRefused() {
        var cycle = new GraphSpec(
                List.of(new NodeSpec("x", "debug"), new NodeSpec("y", "debug")),
                List.of(new Edge("x", "y"), new Edge("y", "x")));
        assertThatThrownBy(() -> ConductorDefinitions.layers(cycle)).hasMessageContaining("cycle");
        var dangling = new GraphSpec(List.of(new NodeSpec("x", "debug")), List.of(new Edge("x", "nope")));
        assertThatThrownBy(() -> ConductorDefinitions.layers(dangling)).hasMessageContaining("nope");
    }

    @Test
    void theTaskDefinitionNeverRetriesAndHasAnOwner() {
        var t = ConductorDefinitions.taskDefinition();
        assertThat(t.get("name").asText()).isEqualTo(ConductorDefinitions.TASK_TYPE);
        assertThat(t.get("retryCount").asInt()).isZero();
        assertThat(t.get("ownerEmail").asText()).contains("@");
    }

    @Test
    void theJarIsCheckedAgainstThePublishedSha1(@TempDir Path dir) throws IOException {
        var file = dir.resolve("x.jar");
        Files.writeString(file, "abc", StandardCharsets.US_ASCII);
        // SHA-1 of "abc", FIPS 180 test vector.
        assertThat(ConductorJar.sha1(file)).isEqualTo("a9993e364706816aba3e25717850c26c9cd0d89d");
        assertThat(ConductorJar.expectedSha1("A9993E364706816ABA3E25717850C26C9CD0D89D  x.jar\n"))
                .isEqualTo("a9993e364706816aba3e25717850c26c9cd0d89d");
        assertThatThrownBy(() -> ConductorJar.expectedSha1("<html>not found</html>"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("does not hold a SHA-1");
    }

    private static List<String> types(JsonNode wf) {
        var out = new ArrayList<String>();
        wf.get("tasks").forEach(t -> out.add(t.get("type").asText()));
        return out;
    }

    /** Each SIMPLE task's reference and the index of the top-level task that runs it. */
    private static Map<String, Integer> simpleTaskPositions(JsonNode wf) {
        var out = new HashMap<String, Integer>();
        var tasks = wf.get("tasks");
        for (int i = 0; i < tasks.size(); i++) {
            var t = tasks.get(i);
            int index = i;
            switch (t.get("type").asText()) {
                case "SIMPLE" -> out.put(t.get("taskReferenceName").asText(), i);
                case "FORK_JOIN" ->
                    t.get("forkTasks")
                            .forEach(b -> b.forEach(s -> {
                                assertThat(s.get("name").asText()).isEqualTo(ConductorDefinitions.TASK_TYPE);
                                out.put(s.get("taskReferenceName").asText(), index);
                            }));
                default -> {}
            }
        }
        return out;
    }
}
