package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -runtimes, -exec-env-allow, -exec-work-dir and -eager-claims from the config file, the environment and flags. */
class AgentOptionsTest {

    private static Settings.Agents load(Map<String, String> env, String... args) {
        return ((SettingsLoader.Parsed.Run) SettingsLoader.load(args, env))
                .settings()
                .agents();
    }

    @Test
    void byDefaultEveryInstalledRuntimeAndNoExtraVariable() {
        var agents = load(Map.of());
        assertThat(agents.runtimes()).isEmpty();
        assertThat(agents.execEnvAllow()).isEmpty();
        assertThat(agents.execWorkDir()).isNull();
        assertThat(agents.eagerClaims()).isTrue();
        assertThat(AgentRuntimes.registry(agents).names()).containsExactly("debug", "exec");
    }

    @Test
    void eagerClaimsAreTurnedOffByFlagFileOrEnvironment(@TempDir Path dir) throws IOException {
        assertThat(load(Map.of(), "-eager-claims=false").eagerClaims()).isFalse();
        assertThat(load(Map.of("ADAGIOD_EAGER_CLAIMS", "false")).eagerClaims()).isFalse();
        var config = Files.writeString(dir.resolve("adagiod.toml"), "eager-claims = false\n");
        assertThat(load(Map.of(), "-config", config.toString()).eagerClaims()).isFalse();
        assertThat(load(Map.of(), "-config", config.toString(), "-eager-claims").eagerClaims())
                .isTrue();
        assertThatThrownBy(() -> load(Map.of(), "-eager-claims=maybe"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("-eager-claims")
                .hasMessageContaining("maybe");
        assertThatThrownBy(() -> load(Map.of("ADAGIOD_EAGER_CLAIMS", "maybe")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable ADAGIOD_EAGER_CLAIMS")
                .hasMessageContaining("expected true or false");
    }

    @Test
    void theConfigFileTakesAStringOrAList(@TempDir Path dir) throws IOException {
        var config = Files.writeString(dir.resolve("adagiod.toml"), """
                runtimes = "debug"
                exec-env-allow = ["JAVA_HOME", "FOO"]
                exec-work-dir = "%s"
                """.formatted(dir));
        var agents = load(Map.of(), "-config", config.toString());
        assertThat(agents.runtimes()).containsExactly("debug");
        assertThat(agents.execEnvAllow()).containsExactly("JAVA_HOME", "FOO");
        assertThat(agents.execWorkDir()).isEqualTo(dir.toAbsolutePath());
        assertThat(AgentRuntimes.registry(agents).names()).containsExactly("debug");

        var listed = Files.writeString(dir.resolve("list.toml"), "runtimes = [\"exec\", \"debug\"]\n");
        assertThat(load(Map.of(), "-config", listed.toString()).runtimes()).containsExactly("exec", "debug");
    }

    @Test
    void theEnvironmentBeatsTheFileAndTheFlagBeatsBoth(@TempDir Path dir) throws IOException {
        var config = Files.writeString(dir.resolve("adagiod.toml"), "runtimes = \"debug\"\n");
        assertThat(load(Map.of("ADAGIOD_RUNTIMES", "exec"), "-config", config.toString())
                        .runtimes())
                .containsExactly("exec");
        assertThat(load(Map.of("ADAGIOD_RUNTIMES", "exec"), "-config", config.toString(), "-runtimes", " debug , exec ")
                        .runtimes())
                .containsExactly("debug", "exec");
    }

    @Test
    void theExecRuntimeIsConfiguredFromTheOptions(@TempDir Path dir) {
        var registry =
                AgentRuntimes.registry(load(Map.of(), "-exec-env-allow", "FOO", "-exec-work-dir", dir.toString()));
        var exec =
                (io.adagio.agent.runtime.exec.ExecRuntime) registry.get("exec").orElseThrow();
        assertThat(exec.workRoot()).isEqualTo(dir.toAbsolutePath());
    }

    @Test
    void mistakesNameTheOptionAndWhereItWasSet(@TempDir Path dir) throws IOException {
        var config = Files.writeString(dir.resolve("adagiod.toml"), "runtimes = [\"debug\", \"docker\"]\n");
        assertThatThrownBy(() -> load(Map.of(), "-config", config.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("-runtimes")
                .hasMessageContaining("key \"runtimes\" in config file " + config)
                .hasMessageContaining("unknown runtime \"docker\"; installed: debug, exec");
        assertThatThrownBy(() -> load(Map.of("ADAGIOD_EXEC_ENV_ALLOW", "HOME,ADAGIOD_ETCD_PASSWORD")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable ADAGIOD_EXEC_ENV_ALLOW")
                .hasMessageContaining("cannot pass \"ADAGIOD_ETCD_PASSWORD\" to exec children");
        assertThatThrownBy(() -> load(Map.of(), "-exec-env-allow", "ADAGIO_NODE"))
                .hasMessageContaining("the agent sets it");
        var file = Files.writeString(dir.resolve("a-file"), "");
        assertThatThrownBy(() -> load(Map.of(), "-exec-work-dir", file.toString()))
                .hasMessageContaining("-exec-work-dir")
                .hasMessageContaining("no such writable directory");
    }
}
