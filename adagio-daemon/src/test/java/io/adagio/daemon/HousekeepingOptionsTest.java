package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The retention, compaction and quota options from flags, the environment and the config file. */
class HousekeepingOptionsTest {

    private static Settings.Housekeeping load(Map<String, String> env, String... args) {
        return ((SettingsLoader.Parsed.Run) SettingsLoader.load(args, env))
                .settings()
                .housekeeping();
    }

    @Test
    void theDefaultsKeepAMonthAndTenThousandRunsAndCompactEveryFiveMinutes() {
        var h = load(Map.of());
        assertThat(h.retentionMaxAge()).isEqualTo(Duration.ofDays(30));
        assertThat(h.retentionMaxRuns()).isEqualTo(10_000);
        assertThat(h.retentionInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(h.etcdCompactionInterval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(h.etcdQuotaBytes()).isEqualTo(2L << 30);
    }

    @Test
    void agesAreWrittenInDaysOrShorterUnitsAndZeroDisables() {
        assertThat(load(Map.of(), "-retention-max-age", "7d").retentionMaxAge()).isEqualTo(Duration.ofDays(7));
        assertThat(load(Map.of(), "-retention-max-age", "1d12h").retentionMaxAge())
                .isEqualTo(Duration.ofHours(36));
        assertThat(load(Map.of(), "-retention-max-age", "90m").retentionMaxAge())
                .isEqualTo(Duration.ofMinutes(90));
        var off =
                load(Map.of(), "-retention-max-age", "0", "-retention-max-runs", "0", "-etcd-compaction-interval", "0");
        assertThat(off.retentionMaxAge()).isZero();
        assertThat(off.retentionMaxRuns()).isZero();
        assertThat(off.etcdCompactionInterval()).isZero();
    }

    @Test
    void quotasAreBytesOrCarryAUnit() {
        assertThat(load(Map.of(), "-etcd-quota-bytes", "8589934592").etcdQuotaBytes())
                .isEqualTo(8L << 30);
        assertThat(load(Map.of(), "-etcd-quota-bytes", "8GiB").etcdQuotaBytes()).isEqualTo(8L << 30);
        assertThat(load(Map.of(), "-etcd-quota-bytes", "512 MiB").etcdQuotaBytes())
                .isEqualTo(512L << 20);
        assertThat(load(Map.of(), "-etcd-quota-bytes", "2GB").etcdQuotaBytes()).isEqualTo(2_000_000_000L);
    }

    @Test
    void theEnvironmentAndTheConfigFileSetThemToo(@TempDir Path dir) throws IOException {
        var config = Files.writeString(dir.resolve("adagiod.toml"), """
                retention-max-age = "7d"
                retention-max-runs = 500
                etcd-compaction-interval = "1m"
                """);
        var fromFile = load(Map.of("ADAGIOD_RETENTION_MAX_RUNS", "800"), "-config", config.toString());
        assertThat(fromFile.retentionMaxAge()).isEqualTo(Duration.ofDays(7));
        assertThat(fromFile.retentionMaxRuns()).isEqualTo(800);
        assertThat(fromFile.etcdCompactionInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(load(Map.of("ADAGIOD_ETCD_QUOTA_BYTES", "4GiB", "ADAGIOD_RETENTION_INTERVAL", "30s"))
                        .retentionInterval())
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void mistakesNameTheOptionAndWhereItWasSet() {
        assertThatThrownBy(() -> load(Map.of(), "-retention-max-runs", "-5"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("-retention-max-runs")
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> load(Map.of("ADAGIOD_RETENTION_MAX_AGE", "a week")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("-retention-max-age")
                .hasMessageContaining("ADAGIOD_RETENTION_MAX_AGE");
        assertThatThrownBy(() -> load(Map.of(), "-etcd-quota-bytes", "lots"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("8GiB");
        assertThatThrownBy(() -> load(Map.of(), "-etcd-compaction-interval", "10ms"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("etcd compacts itself");
        assertThatThrownBy(() -> load(Map.of(), "-retention-interval", "0"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("at least 100ms");
    }
}
