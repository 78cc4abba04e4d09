package io.adagio.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class OriginsTest {
    private static final Origins DEFAULT = Origins.sameOriginOnly();

    @Test
    void noOriginIsNotACrossSiteRequest() {
        assertThat(DEFAULT.decide(null, false, "localhost:7890")).isInstanceOf(Origins.Decision.Absent.class);
    }

    @Test
    void theDaemonsOwnOriginIsTheSchemeHostAndPortTheRequestWasAddressedTo() {
        assertThat(DEFAULT.decide("http://localhost:7890", false, "localhost:7890"))
                .isInstanceOf(Origins.Decision.Same.class);
        assertThat(DEFAULT.decide("http://LocalHost:7890", false, "localhost:7890"))
                .isInstanceOf(Origins.Decision.Same.class);
        assertThat(DEFAULT.decide("http://[::1]:7890", false, "[::1]:7890")).isInstanceOf(Origins.Decision.Same.class);
        assertThat(DEFAULT.decide("https://localhost:7890", true, "localhost:7890"))
                .isInstanceOf(Origins.Decision.Same.class);
        // Default ports: a browser leaves them out of Origin, a client may write them in Host.
        assertThat(DEFAULT.decide("http://adagio.internal", false, "adagio.internal:80"))
                .isInstanceOf(Origins.Decision.Same.class);
        assertThat(DEFAULT.decide("https://adagio.internal", true, "adagio.internal"))
                .isInstanceOf(Origins.Decision.Same.class);
    }

    @Test
    void anotherSchemeHostOrPortIsAnotherOrigin() {
        assertThat(DEFAULT.decide("https://localhost:7890", false, "localhost:7890"))
                .isInstanceOf(Origins.Decision.Forbidden.class);
        assertThat(DEFAULT.decide("http://localhost:3000", false, "localhost:7890"))
                .isInstanceOf(Origins.Decision.Forbidden.class);
        assertThat(DEFAULT.decide("http://127.0.0.1:7890", false, "localhost:7890"))
                .isInstanceOf(Origins.Decision.Forbidden.class);
        assertThat(DEFAULT.decide("http://evil.example", false, "localhost:7890"))
                .isEqualTo(new Origins.Decision.Forbidden("http://evil.example"));
        assertThat(DEFAULT.decide("null", false, "localhost:7890")).isInstanceOf(Origins.Decision.Forbidden.class);
        assertThat(DEFAULT.decide("", false, "localhost:7890")).isInstanceOf(Origins.Decision.Forbidden.class);
        assertThat(DEFAULT.decide("http://localhost:7890", false, null)).isInstanceOf(Origins.Decision.Forbidden.class);
    }

    @Test
    void listedOriginsAreAllowedAndEchoed() {
        var origins = Origins.allowing(List.of("https://ui.example.com/", "http://localhost:3000", "null"));
        assertThat(origins.corsEnabled()).isTrue();
        assertThat(origins.decide("https://ui.example.com", false, "localhost:7890"))
                .isEqualTo(new Origins.Decision.Allowed("https://ui.example.com"));
        assertThat(origins.decide("https://ui.example.com:443", false, "localhost:7890"))
                .isEqualTo(new Origins.Decision.Allowed("https://ui.example.com:443"));
        assertThat(origins.decide("http://localhost:3000", false, "localhost:7890"))
                .isEqualTo(new Origins.Decision.Allowed("http://localhost:3000"));
        assertThat(origins.decide("null", false, "localhost:7890")).isEqualTo(new Origins.Decision.Allowed("null"));
        assertThat(origins.decide("http://ui.example.com", false, "localhost:7890"))
                .isInstanceOf(Origins.Decision.Forbidden.class);
        assertThat(origins.describe()).containsExactly("https://ui.example.com", "http://localhost:3000", "null");
    }

    @Test
    void starAllowsEveryOriginWithAStar() {
        var origins = Origins.allowing(List.of("*"));
        assertThat(origins.decide("http://evil.example", false, "localhost:7890"))
                .isEqualTo(new Origins.Decision.Allowed("*"));
        assertThat(origins.decide("null", false, "localhost:7890")).isEqualTo(new Origins.Decision.Allowed("*"));
        assertThat(origins.decide("http://localhost:7890", false, "localhost:7890"))
                .isInstanceOf(Origins.Decision.Same.class);
    }

    @Test
    void anEmptyListIsNoCors() {
        assertThat(Origins.allowing(List.of()).corsEnabled()).isFalse();
        assertThat(DEFAULT.corsEnabled()).isFalse();
    }

    @Test
    void entriesMustBeOrigins() {
        for (var bad : List.of("ui.example.com", "https://ui.example.com/app", "ftp://ui.example.com", "https://")) {
            assertThatThrownBy(() -> Origins.allowing(List.of(bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not an origin");
        }
    }

    @Test
    void theRefusalNamesTheOrigin() {
        assertThat(Origins.refusal("http://evil.example")).contains("\"http://evil.example\"", "-cors-allowed-origins");
    }
}
