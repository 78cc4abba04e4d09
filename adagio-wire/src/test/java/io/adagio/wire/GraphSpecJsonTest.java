package io.adagio.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.Edge;
import io.adagio.core.model.RetryRule;
import io.adagio.core.repository.RepositoryException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphSpecJsonTest {
    @Test
    void acceptsSnakeCaseAndCamelCaseFieldNames() {
        var spec = GraphSpecJson.parse("""
                {"nodes": [
                   {"name": "a", "runtime": "debug", "retry": {"fail": {"max_attempts": 3}},
                    "metadata": {"adagio.arguments.debug.sleep": {"values": ["2s"]}}},
                   {"name": "b", "runtime": "debug", "retry": {"error": {"maxAttempts": 2}}}],
                 "edges": [{"source": "a", "destination": "b"}]}
                """);
        assertThat(spec.nodes().get(0).retry()).containsEntry("fail", RetryRule.maxAttempts(3));
        assertThat(spec.nodes().get(0).metadata()).containsEntry("adagio.arguments.debug.sleep", List.of("2s"));
        assertThat(spec.nodes().get(1).retry()).containsEntry("error", RetryRule.maxAttempts(2));
        assertThat(spec.edges()).containsExactly(new Edge("a", "b"));
    }

    @Test
    void printedSpecsParseBackUsingSnakeCase() {
        var spec = GraphSpecJson.parse("""
                {"nodes": [{"name": "a", "runtime": "exec", "retry": {"fail": {"maxAttempts": 4}},
                            "metadata": {"adagio.arguments.exec.command": {"values": ["ls"]}}},
                           {"name": "b", "runtime": "debug"}],
                 "edges": [{"source": "a", "destination": "b"}]}
                """);
        var json = GraphSpecJson.print(spec);
        assertThat(json).contains("\"max_attempts\"");
        assertThat(GraphSpecJson.parse(json)).isEqualTo(spec);
    }

    @Test
    void textThatIsNotASpecIsAnInvalidSpecNamingTheProblem() {
        assertThatThrownBy(() -> GraphSpecJson.parse("{\"nodes\": [ {\"name\": "))
                .isInstanceOf(RepositoryException.InvalidSpec.class)
                .hasMessageContaining("malformed graph spec JSON");
        assertThatThrownBy(() -> GraphSpecJson.parse("{\"nodez\": []}"))
                .isInstanceOf(RepositoryException.InvalidSpec.class)
                .hasMessageContaining("nodez");
        assertThatThrownBy(() -> GraphSpecJson.parse(
                        "{\"nodes\": [{\"name\": \"a\", \"retry\": {\"fail\": {\"max_attempts\": \"many\"}}}]}"))
                .isInstanceOf(RepositoryException.InvalidSpec.class);
        assertThat(GraphSpecJson.parse("{}").nodes()).isEmpty();
    }

    @Test
    void timeoutsAndBackoffsAreWrittenAsDurations() {
        var spec = GraphSpecJson.parse("""
                {"nodes": [{"name": "a", "runtime": "exec", "timeout": "1.5s",
                            "retry": {"fail": {"max_attempts": 3,
                                               "backoff": {"initial": "0.5s", "maximum": "30s", "multiplier": 3}}}}]}
                """);
        var a = spec.nodes().getFirst();
        assertThat(a.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(a.retry().get("fail").backoff())
                .isEqualTo(new RetryRule.Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), 3));
        var json = GraphSpecJson.print(spec);
        assertThat(json).contains("\"timeout\": \"1.500s\"").contains("\"initial\": \"0.500s\"");
        assertThat(GraphSpecJson.parse(json)).isEqualTo(spec);
        assertThatThrownBy(() -> GraphSpecJson.parse("{\"nodes\": [{\"name\": \"a\", \"timeout\": \"soon\"}]}"))
                .isInstanceOf(RepositoryException.InvalidSpec.class);
    }
}
