package io.adagio.client.workflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An exec call's environment variables become the node's adagio.arguments.exec.env entries. */
class ExecEnvTest {

    @Test
    void variablesAreNameEqualsValueEntriesOfTheEnvArgument() {
        var vars = new LinkedHashMap<String, String>();
        vars.put("REGION", "eu-west-1");
        vars.put("QUERY", "a=b");
        var workflow = new WorkflowBuilder();
        workflow.node("load", Exec.command("load.sh").env(vars));
        var node = workflow.build().nodes().getFirst();
        assertThat(node.metadata())
                .containsEntry("adagio.arguments.exec.env", List.of("QUERY=a=b", "REGION=eu-west-1"));
    }

    @Test
    void noVariablesMeansNoEnvArgument() {
        var call = Exec.command("true").env(Map.of("A", "1")).env(Map.of());
        assertThat(call.arguments()).doesNotContainKey("env");
    }
}
