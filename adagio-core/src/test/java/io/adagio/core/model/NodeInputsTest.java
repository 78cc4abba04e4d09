package io.adagio.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a node's inputs() hands out: its inputs in their order, read-only, each array a copy. */
class NodeInputsTest {
    private static byte[] out(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Node nodeWith(Map<String, byte[]> inputs) {
        return new Node(new NodeSpec("n", "debug"), NodeStatus.READY, List.of(), null, null, inputs, null);
    }

    @Test
    void aCallerChangingWhatItReadChangesNothingOfTheNode() {
        var given = new LinkedHashMap<String, byte[]>();
        given.put("b", out("2"));
        given.put("a", out("1"));
        var node = nodeWith(given);

        node.inputs().get("a")[0] = 'x';
        node.inputs().entrySet().iterator().next().getValue()[0] = 'y';
        node.inputs().values().forEach(v -> v[0] = 'z');
        given.get("a")[0] = 'w';

        assertThat(node.inputs().keySet()).containsExactly("b", "a");
        assertThat(node.inputs().get("a")).isEqualTo(out("1"));
        assertThat(node.inputs().get("b")).isEqualTo(out("2"));
        assertThat(node.inputs().get("c")).isNull();
        assertThat(node.inputs()).hasSize(2).containsKey("a").doesNotContainKey("c");
    }

    @Test
    void theInputsCannotBeChangedThroughTheView() {
        var node = nodeWith(Map.of("a", out("1")));
        var inputs = node.inputs();
        assertThatThrownBy(() -> inputs.put("b", out("2"))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> inputs.remove("a")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> inputs.keySet().remove("a")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> inputs.entrySet().iterator().next().setValue(out("3")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(node.inputs().get("a")).isEqualTo(out("1"));
    }

    @Test
    void aNodeWithoutInputsHandsOutAnEmptyMap() {
        assertThat(nodeWith(null).inputs()).isEmpty();
        assertThat(nodeWith(Map.of()).inputs()).isEmpty();
    }
}
