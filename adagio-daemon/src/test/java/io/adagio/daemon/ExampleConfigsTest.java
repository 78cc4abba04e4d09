package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The config files in examples/ load as they say. */
class ExampleConfigsTest {

    private static Settings load(String example, String... more) {
        var args = new java.util.ArrayList<>(List.of(
                "-config",
                AdagiodProcess.repositoryRoot()
                        .resolve("examples")
                        .resolve(example)
                        .toString()));
        args.addAll(List.of(more));
        return ((SettingsLoader.Parsed.Run) SettingsLoader.load(args.toArray(String[]::new), Map.of())).settings();
    }

    @Test
    void theEtcdExampleSelectsEtcdWithItsDefaults() {
        var settings = load("config-etcd.toml");
        assertThat(settings.backendType()).isEqualTo(BackendType.ETCD);
        assertThat(settings.etcdAddresses()).containsExactly("http://127.0.0.1:2379");
        assertThat(settings.etcdNamespace()).isEqualTo("adagio");
        assertThat(settings.etcd().leaseTtl()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.etcd().username()).isNull();
        assertThat(settings.etcd().caFile()).isNull();
    }

    @Test
    void theSettingsNeverShowThePassword() {
        var settings = ((SettingsLoader.Parsed.Run) SettingsLoader.load(
                        new String[] {"-backend-type=etcd"},
                        Map.of("ADAGIOD_ETCD_USERNAME", "adagio", "ADAGIOD_ETCD_PASSWORD", "s3cret-value")))
                .settings();
        assertThat(settings.etcd().password()).isEqualTo("s3cret-value");
        assertThat(settings.toString()).contains("adagio").doesNotContain("s3cret-value");
    }

    @Test
    void theMemoryExampleLoads() {
        assertThat(load("config-memory.toml").backendType()).isEqualTo(BackendType.MEMORY);
    }
}
