package io.adagio.client.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.RetryCondition;
import io.adagio.core.model.RetryRule;
import io.adagio.wire.GraphSpecJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkflowBuilderTest {

    private static GraphSpec example(String name) throws IOException {
        try (InputStream in = WorkflowBuilderTest.class.getResourceAsStream("/workflows/" + name)) {
            assertThat(in).as("test resource %s", name).isNotNull();
            return GraphSpecJson.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** The example of WorkflowBuilder's javadoc, written the same way. */
    static WorkflowBuilder sevenNodes() {
        var workflow = new WorkflowBuilder();
        var a = workflow.node("a", Debug.success());
        var b = workflow.node("b", Debug.success().sleep(Duration.ofMillis(100)));
        var c = workflow.node("c", Debug.success()).dependsOn(a);
        var d = workflow.node("d", Debug.success().chance(0.1, Debug.Chance.FAIL))
                .dependsOn(a, b)
                .retryOnFail(3);
        var f = workflow.node("f", Debug.success()).dependsOn(b);
        var e = workflow.node("e", Debug.success()).dependsOn(c, d);
        workflow.node("g", Exec.command("echo").args("done:"))
                .dependsOn(f)
                .input("args", e)
                .retryOnError(2);
        return workflow;
    }

    @Test
    void theSevenNodeExampleEqualsItsHandWrittenJson() throws IOException {
        assertThat(sevenNodes().build()).isEqualTo(example("seven-nodes.json"));
    }

    @Test
    void theDesignExampleWithAnExecNodeRetriedOnError() throws IOException {
        var workflow = new WorkflowBuilder();
        var fetch = workflow.node("fetch", Exec.command("curl").args("-s", "http://127.0.0.1:9/x"))
                .retryOnError(3);
        workflow.node("report", Debug.call()).dependsOn(fetch);

        assertThat(workflow.build()).isEqualTo(example("fetch-report.json"));
    }

    @Test
    void aRuntimeBuiltWithTheSpiIsCalledByNameWithItsArguments() throws IOException {
        var workflow = new WorkflowBuilder();
        var extract = workflow.node(
                        "extract",
                        RuntimeCall.of("python").arg("script", "extract.py").arg("args", "--since", "2025-01-01"))
                .metadata("team.owner", "data-eng")
                .retryOnFail(2)
                .retry(RetryCondition.ERROR, 5);
        workflow.node("load", RuntimeCall.of("python", Map.of("script", List.of("load.py"))))
                .input("rows", extract);

        assertThat(workflow.build()).isEqualTo(example("custom-runtime.json"));
    }

    @Test
    void aTimeoutAndARetryBackoffAreWrittenAsTheWireSpellsThem() {
        var workflow = new WorkflowBuilder();
        workflow.node("upload", Exec.command("./upload.sh"))
                .timeout(Duration.ofSeconds(30))
                .retryOn(
                        RetryCondition.ERROR,
                        4,
                        RetryRule.Backoff.exponential(Duration.ofMillis(500), Duration.ofMinutes(1)))
                .retryOn(RetryCondition.FAIL, 2, RetryRule.Backoff.fixed(Duration.ofSeconds(2)));

        assertThat(workflow.build()).isEqualTo(GraphSpecJson.parse("""
                        {"nodes": [{"name": "upload", "runtime": "exec", "timeout": "30s",
                                    "metadata": {"adagio.arguments.exec.command": {"values": ["./upload.sh"]}},
                                    "retry": {"error": {"max_attempts": 4,
                                                        "backoff": {"initial": "0.5s", "maximum": "60s", "multiplier": 2}},
                                              "fail": {"max_attempts": 2,
                                                       "backoff": {"initial": "2s", "maximum": "2s", "multiplier": 1}}}}]}"""));
        assertThat(GraphSpecJson.parse(workflow.toJson())).isEqualTo(workflow.build());
    }

    @Test
    void aTimeoutOrABackoffThatValidationRefusesIsNamed() {
        var workflow = new WorkflowBuilder();
        workflow.node("quick", Debug.success()).timeout(Duration.ZERO);
        workflow.node("eager", Debug.fail()).retryOn(RetryCondition.FAIL, 3, RetryRule.Backoff.of(Duration.ZERO));

        assertThatThrownBy(workflow::build)
                .isInstanceOf(InvalidWorkflowException.class)
                .hasMessageContaining("quick")
                .hasMessageContaining("eager");
    }

    @Test
    void toJsonIsReadBackAsTheSameSpec() {
        var workflow = sevenNodes();
        assertThat(GraphSpecJson.parse(workflow.toJson())).isEqualTo(workflow.build());
    }

    @Test
    void aDependencyAndAnInputOnTheSameNodeMakeOneEdge() {
        var workflow = new WorkflowBuilder();
        var a = workflow.node("a", Debug.success());
        workflow.node("b", Exec.command("cat")).dependsOn(a).input("args", a);

        assertThat(workflow.build().edges()).hasSize(1);
    }

    @Test
    void aDependencyMayNameANodeAddedLater() {
        var workflow = new WorkflowBuilder();
        workflow.node("late", Debug.success()).dependsOn("early");
        workflow.node("early", Debug.success());

        assertThat(workflow.build().edges())
                .singleElement()
                .satisfies(e -> assertThat(e.toString()).isEqualTo("early->late"));
    }

    @Test
    void refusesACycleWithTheValidatorsMessageNamingItsNodes() {
        var workflow = new WorkflowBuilder();
        var a = workflow.node("a", Debug.success());
        var b = workflow.node("b", Debug.success()).dependsOn(a);
        var c = workflow.node("c", Debug.success()).dependsOn(b);
        a.dependsOn(c);

        assertThatThrownBy(workflow::build)
                .isInstanceOf(InvalidWorkflowException.class)
                .hasMessageContaining("cycle")
                .hasMessageContainingAll("a", "b", "c")
                .satisfies(e -> assertThat(((InvalidWorkflowException) e).problems())
                        .singleElement()
                        .asString()
                        .startsWith("the graph has a cycle: "));
    }

    @Test
    void refusesADependencyOnAMissingNodeAndNamesIt() {
        var workflow = new WorkflowBuilder();
        workflow.node("a", Debug.success()).dependsOn("nowhere");

        assertThatThrownBy(workflow::build)
                .isInstanceOf(InvalidWorkflowException.class)
                .hasMessageContaining("\"nowhere\" is not a node of the graph");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        var workflow = new WorkflowBuilder();
        workflow.node("a", Debug.success()).retryOnFail(0);
        workflow.node("a", Debug.success());
        workflow.node("bad name!", Debug.success());

        assertThatThrownBy(workflow::build)
                .isInstanceOfSatisfying(
                        InvalidWorkflowException.class,
                        e -> assertThat(e.problems()).hasSize(3));
    }

    @Test
    void refusesAnEmptyWorkflow() {
        assertThatThrownBy(() -> new WorkflowBuilder().build())
                .isInstanceOf(InvalidWorkflowException.class)
                .hasMessageContaining("no nodes");
    }

    @Test
    void debugSleepsAreWrittenAsTheRuntimeReadsThem() {
        assertThat(Debug.call().sleep(Duration.ofSeconds(2)).arguments()).containsEntry("sleep", List.of("2s"));
        assertThat(Debug.call().sleep(Duration.ofMillis(250)).arguments()).containsEntry("sleep", List.of("250ms"));
        assertThat(Debug.call().sleep(Duration.ofNanos(1500)).arguments()).containsEntry("sleep", List.of("1500"));
        assertThat(Debug.error()
                        .chance(0.25, Debug.Chance.PANIC)
                        .chance(0.5, Debug.Chance.ERROR)
                        .arguments())
                .containsEntry("conclusion", List.of("error"))
                .containsEntry("chances", List.of("0.25 panic", "0.5 error"));
    }

    @Test
    void typedCallsRefuseNonsense() {
        assertThatThrownBy(() -> Exec.command(" ")).hasMessageContaining("needs a command");
        assertThatThrownBy(() -> Debug.call().chance(1.5, Debug.Chance.FAIL)).hasMessageContaining("probability");
        assertThatThrownBy(() -> Debug.call().sleep(Duration.ofSeconds(-1))).hasMessageContaining("negative");
        assertThatThrownBy(() -> RuntimeCall.of("")).hasMessageContaining("runtime name");
    }

    @Test
    void callsAreImmutable() {
        var echo = Exec.command("echo");
        var withArgs = echo.args("x");
        assertThat(echo.arguments()).doesNotContainKey("args");
        assertThat(withArgs.arguments()).containsEntry("args", List.of("x"));
    }
}
