package io.adagio.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Choosing some of the installed runtimes, as {@code adagiod -runtimes} does. */
class RuntimeRegistryTest {
    private final RuntimeRegistry installed = RuntimeRegistry.discover();

    @Test
    void onlyKeepsTheNamedRuntimes() {
        assertThat(installed.names()).contains("debug", "exec");
        var chosen = installed.only("debug");
        assertThat(chosen.names()).containsExactly("debug");
        assertThat(chosen.get("debug")).containsSame(installed.get("debug").orElseThrow());
        assertThat(chosen.contains("exec")).isFalse();
        assertThat(installed.only(List.of("exec", "debug", "exec")).names()).containsExactly("debug", "exec");
    }

    @Test
    void anUnknownNameIsAnErrorListingTheInstalledOnes() {
        assertThatThrownBy(() -> installed.only("debug", "shell", "docker"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown runtimes \"shell\", \"docker\"; installed: ")
                .hasMessageContaining("debug, exec");
        assertThatThrownBy(() -> installed.only("Exec"))
                .hasMessageStartingWith("unknown runtime \"Exec\"; installed: ");
    }

    @Test
    void choosingNothingIsAnError() {
        assertThatThrownBy(() -> installed.only(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no runtime chosen: name at least one of ");
    }
}
