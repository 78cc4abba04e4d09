package io.adagio.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataTest {
    @Test
    void aCopyKeepsTheKeyOrderAndNeverChangesWithTheOriginal() {
        var values = new ArrayList<>(List.of("1"));
        var original = new LinkedHashMap<String, List<String>>();
        original.put("z", values);
        original.put("a", List.of("2"));
        var copy = Metadata.copyOf(original);
        values.add("changed");
        original.put("new", List.of());
        assertThat(copy.keySet()).containsExactly("z", "a");
        assertThat(copy.get("z")).containsExactly("1");
        assertThat(copy).isEqualTo(Map.of("z", List.of("1"), "a", List.of("2")));
        assertThatThrownBy(() -> copy.put("x", List.of())).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> copy.entrySet().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> copy.get("z").add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aCopyOfACopyIsTheSameMap() {
        var copy = Metadata.copyOf(Map.of("k", List.of("v")));
        assertThat(Metadata.copyOf(copy)).isSameAs(copy);
        var result = new Result(Conclusion.SUCCESS, copy, new byte[0]);
        assertThat(result.stamped(null, null, "agent").metadata()).isSameAs(result.metadata());
    }

    @Test
    void nullAndEmptyBecomeTheEmptyMap() {
        assertThat(Metadata.copyOf(null)).isEmpty();
        assertThat(Metadata.copyOf(new LinkedHashMap<>())).isEmpty();
    }
}
