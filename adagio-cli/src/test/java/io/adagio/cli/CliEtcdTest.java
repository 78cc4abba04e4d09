package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.etcd.EtcdBackend;
import io.adagio.testkit.etcd.EtcdExtension;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code adagio} against an adagiod on a real etcd: what only etcd has to say. */
class CliEtcdTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    @TempDir
    static Path dir;

    @Test
    void statsShowsHowFullEtcdIs() throws Exception {
        try (var daemon = AdagiodProcess.builder()
                .workDir(dir)
                .args("-etcd-quota-bytes", "1GiB", "-retention-interval", "200ms")
                .env(EtcdBackend.of(ETCD.cluster()).env())
                .startListening()) {
            var host = daemon.address();
            var cli = new CliProcess(dir);
            Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                var r = cli.run("-host", host, "stats");
                assertThat(r.exitCode()).as(r.toString()).isZero();
                assertThat(r.out())
                        .containsPattern(
                                "(?m)^Storage: +\\d+\\.\\d [KM]iB of 1\\.0 GiB quota \\(\\d+\\.\\d%\\), .* in use$");
            });
        }
    }
}
