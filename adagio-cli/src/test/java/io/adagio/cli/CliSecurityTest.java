package io.adagio.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.tls.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adagio} against a real adagiod that serves TLS, requires client certificates and a bearer
 * token: ADAGIO_TOKEN, -token-file, -ca-file, -cert-file/-key-file and https:// addresses.
 */
class CliSecurityTest {
    private static final String TOKEN = "cli-test-token-0123456789abcdef";

    @TempDir
    static Path dir;

    static AdagiodProcess daemon;
    static CliProcess cli;
    static TestCertificates ca;
    static TestCertificates.Issued alice;
    static Path tokenFile;

    @BeforeAll
    static void startDaemon() throws Exception {
        ca = TestCertificates.authority(dir.resolve("ca"), "test-ca");
        var server = ca.server("api");
        alice = ca.client("alice");
        var tokens = Files.writeString(dir.resolve("tokens"), "alice:" + TOKEN + "\n");
        tokenFile = Files.writeString(dir.resolve("my-token"), TOKEN + "\n");
        daemon = AdagiodProcess.startListening(
                dir,
                "-agent-count",
                "1",
                "-tls-cert-file",
                server.certificateFile().toString(),
                "-tls-key-file",
                server.keyFile().toString(),
                "-tls-client-ca-file",
                ca.certificateFile().toString(),
                "-auth-token-file",
                tokens.toString());
        cli = new CliProcess(dir);
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    /** -host as given, the CA and alice's certificate, then the command. */
    private static String[] args(String host, String... command) {
        var args = new ArrayList<>(List.of(
                "-host", host,
                "-ca-file", ca.certificateFile().toString(),
                "-cert-file", alice.certificateFile().toString(),
                "-key-file", alice.keyFile().toString()));
        args.addAll(List.of(command));
        return args.toArray(String[]::new);
    }

    @Test
    void theTokenFromTheEnvironmentWorksWithAnHttpsAddress() throws Exception {
        var r = cli.run(Map.of("ADAGIO_TOKEN", TOKEN), null, args("https://" + daemon.address(), "stats"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).containsIgnoringCase("runs");
    }

    @Test
    void theTokenFromAFileStartsARun() throws Exception {
        Path spec =
                Files.writeString(dir.resolve("one.json"), "{\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\"}]}");
        var r = cli.run(args(
                daemon.address(),
                "-token-file",
                tokenFile.toString(),
                "runs",
                "start",
                "-q",
                "-wait",
                spec.toString()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out().strip()).matches("[0-9A-HJKMNP-TV-Z]{26}");
    }

    @Test
    void withoutATokenOneLineSaysHowToPassIt() throws Exception {
        var r = cli.run(args(daemon.address(), "runs", "ls"));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err())
                .startsWith("adagio: ")
                .contains("ADAGIO_TOKEN", "-token-file")
                .doesNotContain("Exception");
    }

    @Test
    void aWrongTokenIsRefusedWithoutEchoingIt() throws Exception {
        var r = cli.run(Map.of("ADAGIO_TOKEN", "not-" + TOKEN), null, args(daemon.address(), "stats"));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("invalid bearer token", "ADAGIO_TOKEN").doesNotContain(TOKEN);
    }

    @Test
    void withoutAClientCertificateOneLineSaysWhichFlagsToUse() throws Exception {
        var r = cli.run(
                Map.of("ADAGIO_TOKEN", TOKEN),
                null,
                "-host",
                daemon.address(),
                "-ca-file",
                ca.certificateFile().toString(),
                "stats");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("client certificate is required", "-cert-file");
    }

    @Test
    void plaintextToATlsPortSaysToUseTls() throws Exception {
        var r = cli.run(Map.of("ADAGIO_TOKEN", TOKEN), null, "-host", daemon.address(), "stats");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("TLS");
    }

    @Test
    void aMissingTokenFileIsAUsageError() throws Exception {
        var r = cli.run(
                args(daemon.address(), "-token-file", dir.resolve("nope").toString(), "stats"));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("-token-file", "nope");
    }
}
