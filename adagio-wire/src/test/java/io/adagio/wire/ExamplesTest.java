package io.adagio.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.graph.GraphValidator;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The examples shipped in {@code examples/} parse and validate, and cover what they should. */
class ExamplesTest {
    private static Map<String, GraphSpec> examples;

    /** The repository root: the nearest directory, from the working directory up, holding mvnw. */
    static Path repositoryRoot() {
        for (var dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("examples"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "no directory holding mvnw and examples/ above " + Path.of("").toAbsolutePath());
    }

    @BeforeAll
    static void readExamples() throws IOException {
        examples = new TreeMap<>();
        try (var files = Files.list(repositoryRoot().resolve("examples"))) {
            for (var file : files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .toList()) {
                examples.put(file.getFileName().toString(), GraphSpecJson.parse(Files.readString(file)));
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> everyExampleParsesAndValidates() {
        assertThat(examples).isNotEmpty();
        var validator = new GraphValidator();
        return examples.entrySet().stream()
                .map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
                    assertThat(e.getValue().nodes()).isNotEmpty();
                    validator.validate(e.getValue());
                }));
    }

    @Test
    void theExpectedExamplesAreThere() {
        assertThat(examples)
                .containsKeys(
                        "hello.json",
                        "failure.json",
                        "error.json",
                        "retry.json",
                        "flaky.json",
                        "exec-args.json",
                        "inputs.json");
    }

    @Test
    void theExamplesSayWhatTheirNamesSay() {
        var hello = examples.get("hello.json");
        assertThat(hello.nodes()).extracting(NodeSpec::name).containsExactly("a", "b", "c", "d", "e", "f", "g");
        assertThat(hello.edges()).hasSize(8);
        assertThat(node(hello, "g").runtime()).isEqualTo("exec");

        assertThat(node(examples.get("failure.json"), "d").metadata())
                .containsEntry("adagio.runtime.debug.conclusion", java.util.List.of("fail"));
        assertThat(examples.get("error.json").nodes())
                .anySatisfy(n -> assertThat(n.metadata())
                        .containsEntry("adagio.arguments.debug.conclusion", java.util.List.of("error")));
        assertThat(examples.get("retry.json").nodes())
                .anySatisfy(n -> assertThat(n.retry()).containsKey("fail"));
        assertThat(examples.get("flaky.json").nodes()).anySatisfy(n -> {
            assertThat(n.metadata().keySet()).anySatisfy(k -> assertThat(k).endsWith(".debug.chances"));
            assertThat(n.retry()).isNotEmpty();
        });
        assertThat(examples.get("exec-args.json").nodes())
                .anySatisfy(n -> assertThat(n.metadata())
                        .containsKeys("adagio.arguments.exec.command", "adagio.arguments.exec.args"));
        assertThat(examples.get("inputs.json").nodes())
                .anySatisfy(n -> assertThat(n.metadata().keySet())
                        .anySatisfy(k -> assertThat(k).startsWith("adagio.inputs.")));
    }

    @Test
    void bothMetadataKeySpellingsAreUsed() {
        var keys = examples.values().stream()
                .flatMap(s -> s.nodes().stream())
                .flatMap(n -> n.metadata().keySet().stream())
                .toList();
        assertThat(keys).anySatisfy(k -> assertThat(k).startsWith("adagio.arguments."));
        assertThat(keys).anySatisfy(k -> assertThat(k).startsWith("adagio.runtime."));
    }

    private static NodeSpec node(GraphSpec spec, String name) {
        return spec.nodes().stream()
                .filter(n -> n.name().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
