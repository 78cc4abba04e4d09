package io.adagio.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostPolicyTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 7890);
    private static final HostPolicy DEFAULT = HostPolicy.of(LOOPBACK, List.of());

    @ParameterizedTest
    @ValueSource(
            strings = {
                "localhost",
                "localhost:7890",
                "LOCALHOST:7890",
                "localhost.:7890",
                "127.0.0.1",
                "127.0.0.1:7890",
                "127.0.0.1:1",
                "127.1.2.3:7890",
                "[::1]",
                "[::1]:7890",
                "[0:0:0:0:0:0:0:1]:7890",
                "localhost:"
            })
    void loopbackNamesAndAddressesAreAccepted(String host) {
        assertThat(DEFAULT.allows(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "evil.example",
                "evil.example:7890",
                "localhost.evil.example",
                "127.0.0.1.evil.example:7890",
                "localhost@evil.example",
                "evil.example/localhost",
                "10.0.0.5:7890",
                "0.0.0.0:7890",
                "[::]:7890",
                "::1",
                "[::1",
                "[::1]x",
                "localhost:99999",
                "localhost:78a",
                "local host",
                ""
            })
    void otherHostsAndMalformedOnesAreRefused(String host) {
        assertThat(DEFAULT.allows(host)).isFalse();
    }

    @Test
    void noHostIsRefused() {
        assertThat(DEFAULT.allows(null)).isFalse();
        assertThat(HostPolicy.refusal(null)).contains("no host");
    }

    @Test
    void theListenAddressAndAllowedHostsAreAccepted() {
        var policy = HostPolicy.of(
                new InetSocketAddress("10.0.0.5", 7890),
                List.of("adagio.example.com", "192.0.2.7", "[fd00::5]", "fd00::6"));
        assertThat(policy.allows("10.0.0.5:7890")).isTrue();
        assertThat(policy.allows("adagio.example.com:7890")).isTrue();
        assertThat(policy.allows("ADAGIO.example.com")).isTrue();
        assertThat(policy.allows("192.0.2.7")).isTrue();
        assertThat(policy.allows("[fd00::5]:7890")).isTrue();
        assertThat(policy.allows("[fd00::6]:7890")).isTrue();
        assertThat(policy.allows("localhost:7890")).isTrue();
        assertThat(policy.allows("www.adagio.example.com")).isFalse();
        assertThat(policy.allows("10.0.0.6:7890")).isFalse();
    }

    @Test
    void aListenNameIsAcceptedAsWritten() {
        var listen = InetSocketAddress.createUnresolved("adagio.internal", 7890);
        var policy = HostPolicy.of(listen, List.of());
        assertThat(policy.allows("adagio.internal:7890")).isTrue();
        assertThat(policy.allows("other.internal:7890")).isFalse();
    }

    @Test
    void aWildcardListenAcceptsThisMachinesNamesAndAddresses() throws Exception {
        var machine = new HostPolicy.MachineIdentity(
                Set.of("buildbox"), Set.of(InetAddress.getByName("192.168.1.20"), InetAddress.getByName("fe80::1")));
        var policy = HostPolicy.of(new InetSocketAddress("0.0.0.0", 7890), List.of("ci.example.org"), () -> machine);
        assertThat(policy.allows("buildbox:7890")).isTrue();
        assertThat(policy.allows("192.168.1.20:7890")).isTrue();
        assertThat(policy.allows("[fe80::1]:7890")).isTrue();
        assertThat(policy.allows("ci.example.org")).isTrue();
        assertThat(policy.allows("127.0.0.1:7890")).isTrue();
        assertThat(policy.allows("0.0.0.0:7890")).isFalse();
        assertThat(policy.allows("evil.example:7890")).isFalse();
        assertThat(policy.describe()).contains("buildbox", "ci.example.org", "192.168.1.20");
    }

    @Test
    void starAcceptsAnyHost() {
        var policy = HostPolicy.of(LOOPBACK, List.of("*"));
        assertThat(policy.allows("evil.example")).isTrue();
        assertThat(policy.describe()).containsExactly("*");
    }

    @Test
    void allowedHostsAreChecked() {
        HostPolicy.checkAllowedHost("adagio.example.com");
        HostPolicy.checkAllowedHost("10.0.0.5");
        HostPolicy.checkAllowedHost("[fd00::5]");
        HostPolicy.checkAllowedHost("fd00::5");
        assertThatThrownBy(() -> HostPolicy.checkAllowedHost("adagio.example.com:7890"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has a port");
        assertThatThrownBy(() -> HostPolicy.checkAllowedHost("http://adagio.example.com"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a host name");
        assertThatThrownBy(() -> HostPolicy.checkAllowedHost("a b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"a b\"");
    }

    @Test
    void theRefusalNamesTheHostQuotedAndCut() {
        assertThat(HostPolicy.refusal("evil.example")).contains("\"evil.example\"", "-allowed-hosts");
        String message = HostPolicy.refusal("x".repeat(5000) + "\n");
        assertThat(message).contains("x".repeat(200) + "...\"").doesNotContain("x".repeat(201));
    }
}
