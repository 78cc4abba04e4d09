package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Startup against an etcd that is not there: adagiod once exited after 26 s with "cannot get an etcd
 * lease: null". It must name the endpoint and the cause within 10 s, each attempt while it waits, and
 * exit 1 with that message once {@code -etcd-wait} is over.
 */
class EtcdStartupEndToEndTest {
    private static final Duration WITHIN = Duration.ofSeconds(10);

    @Test
    void nothingListeningIsNamedWithItsEndpointAndCauseAndExitsOneWithoutWaiting() {
        int port = AdagiodProcess.freePort();
        try (var daemon = AdagiodProcess.start(
                "api",
                "-listen=127.0.0.1:0",
                "-backend-type=etcd",
                "-etcd-addresses=http://127.0.0.1:" + port,
                "-etcd-wait=0")) {
            assertThat(daemon.awaitExit(Duration.ofSeconds(60)))
                    .as(daemon.stderr())
                    .isEqualTo(1);
            assertThat(daemon.stderr())
                    .contains("127.0.0.1:" + port)
                    .contains("connection refused")
                    .contains("-etcd-wait")
                    .doesNotContain("null")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    @org.junit.jupiter.api.Disabled("fails: no line naming an unknown host within 10 s (issue 13, finding 8)")
    void whileItWaitsEachAttemptNamesTheEndpointAndTheCause() {
        try (var daemon = AdagiodProcess.start(
                "api",
                "-listen=127.0.0.1:0",
                "-backend-type=etcd",
                "-etcd-addresses=http://no-such-host.invalid:2379",
                "-etcd-wait=60s")) {
            // Named while it still waits, long before the wait is over.
            daemon.awaitLog("no-such-host.invalid:2379", WITHIN);
            assertThat(daemon.isAlive()).isTrue();
            assertThat(daemon.stderr()).containsIgnoringCase("unknown host").contains("attempt 1");
        }
    }
}
