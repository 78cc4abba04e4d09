package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.ApiClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** adagiod's command line, config file and environment, on real processes. */
class CommandLineEndToEndTest {
    private static final Duration EXIT = Duration.ofSeconds(60);

    @Test
    void helpPrintsUsageAndExitsZero() {
        for (var flag : List.of("-help", "--help", "-h")) {
            try (var daemon = AdagiodProcess.start(flag)) {
                assertThat(daemon.awaitExit(EXIT)).as(flag).isZero();
                assertThat(daemon.stdout())
                        .startsWith("Usage: adagiod [api|agent] [OPTIONS]")
                        .contains(
                                "-backend-type string",
                                "-etcd-addresses string",
                                "-config string",
                                "-listen string",
                                "-agent-count int",
                                "(default \"memory\")",
                                "-etcd-lease-ttl duration",
                                "(default 10s)",
                                "-etcd-username string",
                                "-etcd-password string",
                                "-etcd-ca-file string",
                                "-etcd-cert-file string",
                                "-etcd-key-file string",
                                "-runtimes string",
                                "(default: all installed)",
                                "-exec-env-allow string",
                                "-exec-work-dir string",
                                "-allowed-hosts string",
                                "-cors-allowed-origins string",
                                "-auth-token-file string",
                                "-tls-cert-file string",
                                "-tls-key-file string",
                                "-tls-client-ca-file string",
                                "  -insecure-no-auth\n");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown flag                 | -backend-tpye=etcd        | Unknown option: '-backend-tpye=etcd'
            unknown flag after api       | api -verbose              | -verbose
            unknown backend              | -backend-type=mysql       | mysql
            unknown subcommand           | serve                     | serve
            bad agent count              | -agent-count none         | -agent-count
            missing value                | -listen                   | -listen
            lease TTL too short          | -etcd-lease-ttl 1s        | -etcd-lease-ttl
            lease TTL in parts of seconds | -etcd-lease-ttl 2500ms   | whole seconds
            lease TTL without a unit     | -etcd-lease-ttl 10        | -etcd-lease-ttl
            user without password        | -etcd-username bob        | -etcd-password
            missing CA file              | -etcd-ca-file /nonexistent/ca.pem | /nonexistent/ca.pem
            certificate without key      | -etcd-cert-file /etc/passwd | -etcd-key-file
            TLS with http addresses      | -etcd-ca-file /etc/passwd | https://
            unknown runtime              | -runtimes debug,shell     | unknown runtime "shell"; installed: debug, exec
            no runtime                   | -runtimes=                | -runtimes
            daemon variable allowed      | -exec-env-allow PATH,ADAGIOD_ETCD_PASSWORD | ADAGIOD_* variables are
            missing exec work dir        | -exec-work-dir /nonexistent/dir | no such writable directory
            """)
    void mistakesOnTheCommandLineExitTwoWithOneClearMessage(String what, String args, String named) {
        try (var daemon = AdagiodProcess.start(args.split(" "))) {
            assertThat(daemon.awaitExit(EXIT)).as(daemon.stderr()).isEqualTo(2);
            assertThat(daemon.stderr()).startsWith("adagiod: ").contains(named).doesNotContain("\tat ");
        }
    }

    @Test
    void aPasswordWithoutAUserIsRefusedWithoutPrintingIt() {
        try (var daemon =
                AdagiodProcess.start(List.of("-backend-type=etcd"), Map.of("ADAGIOD_ETCD_PASSWORD", "s3cret-value"))) {
            assertThat(daemon.awaitExit(EXIT)).isEqualTo(2);
            assertThat(daemon.stderr())
                    .contains("-etcd-username")
                    .contains("ADAGIOD_ETCD_PASSWORD")
                    .doesNotContain("s3cret-value");
        }
    }

    /** The lease TTL from the file is overridden by the environment, and its flag overrides both. */
    @Test
    void etcdLeaseTtlFollowsTheSamePrecedence(@TempDir Path dir) throws IOException {
        var config = Files.writeString(dir.resolve("adagiod.toml"), "etcd-lease-ttl = \"1s\"\n");
        // Validation runs before anything connects: a bad value from the file is named with the file.
        try (var daemon = AdagiodProcess.start("-config", config.toString())) {
            assertThat(daemon.awaitExit(EXIT)).isEqualTo(2);
            assertThat(daemon.stderr()).contains("-etcd-lease-ttl").contains(config.toString());
        }
        // The environment's good value wins over the file's bad one, and a bad flag over both.
        try (var daemon = AdagiodProcess.start(
                List.of("-config", config.toString(), "-etcd-lease-ttl", "0s"),
                Map.of("ADAGIOD_ETCD_LEASE_TTL", "4s"))) {
            assertThat(daemon.awaitExit(EXIT)).isEqualTo(2);
            assertThat(daemon.stderr()).contains("\"0s\"").contains("flag -etcd-lease-ttl");
        }
    }

    @Test
    void unknownConfigKeyExitsTwoNamingIt(@TempDir Path dir) throws IOException {
        var config = Files.writeString(
                dir.resolve("adagiod.toml"), "backend-type = \"memory\"\nlisten-address = \"127.0.0.1:1\"\n");
        try (var daemon = AdagiodProcess.start("-config", config.toString())) {
            assertThat(daemon.awaitExit(EXIT)).isEqualTo(2);
            assertThat(daemon.stderr())
                    .contains("unknown key \"listen-address\"")
                    .contains(config.toString());
        }
    }

    @Test
    void unknownBackendFromTheEnvironmentExitsTwoNamingTheVariable() {
        try (var daemon = AdagiodProcess.start(List.of(), Map.of("ADAGIOD_BACKEND_TYPE", "postgres"))) {
            assertThat(daemon.awaitExit(EXIT)).isEqualTo(2);
            assertThat(daemon.stderr()).contains("postgres").contains("ADAGIOD_BACKEND_TYPE");
        }
    }

    /**
     * One process, three levels: -listen is set by file, environment and flag (the flag wins);
     * -agent-count by file and environment (the environment wins); -log-level by the file only
     * (the file beats the default).
     */
    @Test
    void flagBeatsEnvironmentBeatsFileBeatsDefault(@TempDir Path dir) throws IOException {
        int filePort = freePort();
        int envPort = freePort();
        int flagPort = freePort();
        var config = Files.writeString(dir.resolve("adagiod.toml"), """
                listen = "127.0.0.1:%d"
                agent-count = 2
                log-level = "debug"
                """.formatted(filePort));
        var env = Map.of("ADAGIOD_LISTEN", "127.0.0.1:" + envPort, "ADAGIOD_AGENT_COUNT", "3");
        try (var daemon =
                AdagiodProcess.start(List.of("-config", config.toString(), "--listen", "127.0.0.1:" + flagPort), env)) {
            String base = daemon.awaitApi(Duration.ofSeconds(60));
            assertThat(base).isEqualTo("http://127.0.0.1:" + flagPort);
            daemon.awaitLog("started with 3 workers", Duration.ofSeconds(30));
            assertThat(new ApiClient(base).get("/v0/stats").statusCode()).isEqualTo(200);
            assertThat(daemon.stderr()).contains(" DEBUG ");
        }
    }

    @Test
    void environmentBeatsFileAndOptionsMayFollowTheSubcommand(@TempDir Path dir) throws IOException {
        int envPort = freePort();
        var config =
                Files.writeString(dir.resolve("adagiod.toml"), "listen = \"127.0.0.1:%d\"\n".formatted(freePort()));
        try (var daemon = AdagiodProcess.start(
                List.of("api", "-config=" + config), Map.of("ADAGIOD_LISTEN", "127.0.0.1:" + envPort))) {
            assertThat(daemon.awaitApi(Duration.ofSeconds(60))).isEqualTo("http://127.0.0.1:" + envPort);
        }
    }

    @Test
    void agentAloneWithTheMemoryBackendWarns() {
        try (var daemon = AdagiodProcess.start("agent", "-agent-count", "1")) {
            daemon.awaitLog("started with 1 workers", Duration.ofSeconds(60));
            assertThat(daemon.stderr())
                    .contains("WARN")
                    .contains("memory backend")
                    .contains("never see")
                    .doesNotContain("API listening");
            daemon.terminate();
            assertThat(daemon.awaitExit(EXIT)).isZero();
        }
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
