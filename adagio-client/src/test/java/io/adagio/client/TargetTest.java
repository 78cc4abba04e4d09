package io.adagio.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetTest {
    @Test
    void readsTheAddressesUsersWrite() {
        assertThat(Target.parse("localhost:7890")).isEqualTo(new Target("localhost", 7890, false));
        assertThat(Target.parse("example.org")).isEqualTo(new Target("example.org", 7890, false));
        assertThat(Target.parse(" 10.0.0.1:80 ")).isEqualTo(new Target("10.0.0.1", 80, false));
        assertThat(Target.parse("[::1]:7000")).isEqualTo(new Target("::1", 7000, false));
        assertThat(Target.parse("http://h:1234/")).isEqualTo(new Target("h", 1234, false));
        assertThat(Target.parse("https://api.example.org")).isEqualTo(new Target("api.example.org", 443, true));
    }

    @Test
    void namesTheServerAsHostColonPort() {
        assertThat(Target.parse("[::1]:7000").authority()).isEqualTo("[::1]:7000");
        assertThat(Target.parse("localhost").authority()).isEqualTo("localhost:7890");
    }

    @Test
    void refusesWhatIsNotAnAddress() {
        assertThatThrownBy(() -> Target.parse("")).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> Target.parse("ftp://h:1")).hasMessageContaining("unsupported scheme");
        assertThatThrownBy(() -> Target.parse("h:port")).hasMessageContaining("invalid adagiod address \"h:port\"");
        assertThatThrownBy(() -> Target.parse("h:1/v0")).hasMessageContaining("without a path");
    }
}
