package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.graph.Limits;
import io.adagio.core.model.Edge;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.repository.RepositoryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -max-nodes and -max-edges: defaults, the three ways to set them, mistakes, and the backend enforcing them. */
class LimitOptionsTest {

    private static Settings load(Map<String, String> env, String... args) {
        return ((SettingsLoader.Parsed.Run) SettingsLoader.load(args, env)).settings();
    }

    @Test
    void runsOfAHundredThousandNodesAndAMillionEdgesByDefault() {
        var limits = load(Map.of()).limits();
        assertThat(limits.maxNodes()).isEqualTo(100_000);
        assertThat(limits.maxEdges()).isEqualTo(1_000_000);
        assertThat(limits.maxRequestBytes()).isEqualTo(Limits.DEFAULT.maxRequestBytes());
    }

    @Test
    void setFromTheFileTheEnvironmentOrAFlag(@TempDir Path dir) throws IOException {
        var config = Files.writeString(dir.resolve("adagiod.toml"), "max-nodes = 500\nmax-edges = 700\n");
        var fromFile = load(Map.of(), "-config", config.toString()).limits();
        assertThat(fromFile.maxNodes()).isEqualTo(500);
        assertThat(fromFile.maxEdges()).isEqualTo(700);
        var fromEnv = load(Map.of("ADAGIOD_MAX_NODES", "600"), "-config", config.toString())
                .limits();
        assertThat(fromEnv.maxNodes()).isEqualTo(600);
        var fromFlag = load(Map.of("ADAGIOD_MAX_NODES", "600"), "-max-nodes=200000", "--max-edges", "0")
                .limits();
        assertThat(fromFlag.maxNodes()).isEqualTo(200_000);
        assertThat(fromFlag.maxEdges()).isZero();
    }

    @Test
    void mistakesNameTheOptionAndWhereItWasSet() {
        assertThatThrownBy(() -> load(Map.of(), "-max-nodes=0"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("-max-nodes")
                .hasMessageContaining("flag -max-nodes")
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> load(Map.of("ADAGIOD_MAX_EDGES", "lots")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable ADAGIOD_MAX_EDGES")
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> load(Map.of(), "-max-edges=99999999999"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("-max-edges");
    }

    @Test
    void theBackendRefusesRunsOverTheLimits() {
        try (var repository = BackendFactory.open(load(Map.of(), "-max-nodes=2", "-max-edges=1"))) {
            var a = new NodeSpec("a", "debug");
            var b = new NodeSpec("b", "debug");
            assertThat(repository.startRun(new GraphSpec(List.of(a, b), List.of(new Edge("a", "b")))))
                    .isNotNull();
            assertThatThrownBy(() ->
                            repository.startRun(new GraphSpec(List.of(a, b, new NodeSpec("c", "debug")), List.of())))
                    .isInstanceOf(RepositoryException.LimitExceeded.class)
                    .hasMessageContaining("3 nodes, over the limit of 2");
            assertThatThrownBy(() -> repository.startRun(
                            new GraphSpec(List.of(a, b), List.of(new Edge("a", "b"), new Edge("b", "a")))))
                    .isInstanceOf(RepositoryException.LimitExceeded.class)
                    .hasMessageContaining("2 edges, over the limit of 1");
        }
    }
}
