package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The API's security options as flags, environment and config file, read in-process. */
class SecurityOptionsTest {
    @TempDir
    Path dir;

    private static Settings load(Map<String, String> env, String... args) {
        return ((SettingsLoader.Parsed.Run) SettingsLoader.load(args, env)).settings();
    }

    private static Settings load(String... args) {
        return load(Map.of(), args);
    }

    @Test
    void theDefaultsProtectOnlyByTheAlwaysOnRules() {
        var api = load().api();
        assertThat(api.allowedHosts()).isEmpty();
        assertThat(api.corsAllowedOrigins()).isEmpty();
        assertThat(api.authTokenFile()).isNull();
        assertThat(api.tlsCertFile()).isNull();
        assertThat(api.insecureNoAuth()).isFalse();
        assertThat(load().listensOnLoopback()).isTrue();
        assertThat(ApiProtection.refusal(load())).isEmpty();
    }

    @Test
    void everyOptionIsAFlagAVariableAndAKey() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "alice:0123456789abcdef0123\n");
        Path pem = Files.writeString(dir.resolve("x.pem"), "");
        var flags = load(
                "-allowed-hosts",
                "adagio.example.com, 10.0.0.5",
                "-cors-allowed-origins=https://UI.example.com/,http://localhost:3000",
                "-auth-token-file",
                tokens.toString(),
                "-tls-cert-file",
                pem.toString(),
                "-tls-key-file",
                pem.toString(),
                "-tls-client-ca-file",
                pem.toString(),
                "-insecure-no-auth");
        assertThat(flags.api().allowedHosts()).containsExactly("adagio.example.com", "10.0.0.5");
        assertThat(flags.api().corsAllowedOrigins()).containsExactly("https://ui.example.com", "http://localhost:3000");
        assertThat(flags.api().authTokenFile()).isEqualTo(tokens);
        assertThat(flags.api().tlsClientCaFile()).isEqualTo(pem);
        assertThat(flags.api().insecureNoAuth()).isTrue();

        var env = load(Map.of(
                "ADAGIOD_CORS_ALLOWED_ORIGINS", "*",
                "ADAGIOD_INSECURE_NO_AUTH", "true",
                "ADAGIOD_AUTH_TOKEN_FILE", tokens.toString()));
        assertThat(env.api().corsAllowedOrigins()).containsExactly("*");
        assertThat(env.api().insecureNoAuth()).isTrue();
        assertThat(env.api().authTokenFile()).isEqualTo(tokens);

        Path config = Files.writeString(dir.resolve("adagiod.toml"), """
                allowed-hosts = ["adagio.internal", "fd00::5"]
                insecure-no-auth = true
                """);
        var file = load("-config", config.toString());
        assertThat(file.api().allowedHosts()).containsExactly("adagio.internal", "fd00::5");
        assertThat(file.api().insecureNoAuth()).isTrue();
        assertThat(load(Map.of("ADAGIOD_INSECURE_NO_AUTH", "true"), "-insecure-no-auth=false")
                        .api()
                        .insecureNoAuth())
                .isFalse();
    }

    @Test
    void aBooleanFlagDoesNotSwallowTheSubcommand() {
        var settings = load("-insecure-no-auth", "api");
        assertThat(settings.mode()).isEqualTo(Mode.API);
        assertThat(settings.api().insecureNoAuth()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            host with a port        | -allowed-hosts=adagio.example.com:7890      | -allowed-hosts
            host that is a URL      | -allowed-hosts=http://adagio.example.com    | not a host name
            origin without scheme   | -cors-allowed-origins=ui.example.com        | is not an origin
            origin with a path      | -cors-allowed-origins=https://ui.example.com/app | -cors-allowed-origins
            missing token file      | -auth-token-file=/nonexistent/tokens        | /nonexistent/tokens
            certificate without key | -tls-cert-file=/etc/hostname                | -tls-key-file
            key without certificate | -tls-key-file=/etc/hostname                 | -tls-cert-file
            client CA without TLS   | -tls-client-ca-file=/etc/hostname           | needs TLS
            not a boolean           | -insecure-no-auth=maybe                     | -insecure-no-auth
            """)
    void mistakesAreConfigErrorsNamingTheOption(String what, String arg, String named) {
        assertThatThrownBy(() -> load(arg)).isInstanceOf(ConfigException.class).hasMessageContaining(named);
    }

    @Test
    void aNonLoopbackListenAddressNeedsAuthenticationOrInsecureNoAuth() throws Exception {
        var refusal = ApiProtection.refusal(load("-listen", "0.0.0.0:7890"));
        assertThat(refusal)
                .hasValueSatisfying(message -> assertThat(message)
                        .contains("0.0.0.0:7890", "-auth-token-file", "-tls-client-ca-file", "-insecure-no-auth")
                        .doesNotContain("\n"));
        assertThat(ApiProtection.refusal(load("-listen", ":7890"))).isPresent();
        assertThat(ApiProtection.refusal(load("-listen", "[::]:7890"))).isPresent();
        assertThat(ApiProtection.refusal(load("-listen", "localhost:7890"))).isEmpty();
        assertThat(ApiProtection.refusal(load("-listen", "[::1]:7890"))).isEmpty();
        assertThat(ApiProtection.refusal(load("-listen", "127.0.0.2:7890"))).isEmpty();
        // An agent alone serves no API.
        assertThat(ApiProtection.refusal(load("agent", "-listen", "0.0.0.0:7890")))
                .isEmpty();

        Path tokens = Files.writeString(dir.resolve("tokens"), "alice:0123456789abcdef0123\n");
        var withTokens = load("-listen", "0.0.0.0:7890", "-auth-token-file", tokens.toString());
        assertThat(ApiProtection.refusal(withTokens)).isEmpty();
        assertThat(ApiProtection.insecureWarning(withTokens)).isEmpty();

        var insecure = load("-listen", "0.0.0.0:7890", "-insecure-no-auth");
        assertThat(ApiProtection.refusal(insecure)).isEmpty();
        assertThat(ApiProtection.insecureWarning(insecure))
                .hasValueSatisfying(w -> assertThat(w).contains("SECURITY WARNING", "no authentication"));
        assertThat(ApiProtection.insecureWarning(load("-insecure-no-auth"))).isEmpty();
    }
}
