package io.adagio.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.etcd.EtcdBackend;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Startup against an etcd that is not there: adagiod once exited after 26 s with "cannot get an etcd
 * lease: null". It must name the endpoint and the cause within 10 s, each attempt while it waits, and
 * exit 1 with that message once {@code -etcd-wait} is over. (A wrong TLS setup and wrong credentials,
 * which need an etcd secured so, are in {@link EtcdSecurityEndToEndTest}, held to the same 10 s.)
 */
class EtcdStartupEndToEndTest {
    /** How soon after its start adagiod must have named the endpoint and the cause. */
    static final Duration WITHIN = Duration.ofSeconds(10);

    @Test
    void nothingListeningIsNamedWithItsEndpointAndCauseAndExitsOneWithoutWaiting() {
        int port = AdagiodProcess.freePort();
        try (var daemon = startApi("http://127.0.0.1:" + port, "0")) {
            assertThat(awaitLine(daemon, "127.0.0.1:" + port, "connection refused"))
                    .contains("-etcd-wait");
            assertThat(daemon.awaitExit(Duration.ofSeconds(60)))
                    .as(daemon.stderr())
                    .isEqualTo(1);
            assertThat(daemon.stderr()).doesNotContain("null").doesNotContain("\tat ");
        }
    }

    @Test
    void whileItWaitsEachAttemptNamesTheEndpointAndTheCause() {
        try (var daemon = startApi("http://no-such-host.invalid:2379", "60s")) {
            // Named while it still waits, long before the wait is over.
            assertThat(awaitLine(daemon, "no-such-host.invalid:2379", "unknown host \"no-such-host.invalid\""))
                    .contains("attempt 1")
                    .contains("-etcd-wait");
            assertThat(daemon.isAlive()).isTrue();
        }
    }

    @Test
    void whileItWaitsANothingListeningEndpointIsNamedEachAttempt() {
        int port = AdagiodProcess.freePort();
        try (var daemon = startApi("http://127.0.0.1:" + port, "60s")) {
            assertThat(awaitLine(daemon, "(attempt 2;"))
                    .contains("127.0.0.1:" + port)
                    .contains("connection refused");
            assertThat(daemon.isAlive()).isTrue();
        }
    }

    /** Ctrl-C while it waits for etcd stops it then, not once the wait is over (up to a minute later). */
    @Test
    void whileItWaitsSigtermStopsItAtOnce() {
        try (var daemon = startApi("http://no-such-host.invalid:2379", "120s")) {
            awaitLine(daemon, "no-such-host.invalid:2379", "attempt 1");
            daemon.terminate();
            assertThat(daemon.awaitExit(WITHIN)).as(daemon.stderr()).isZero();
            assertThat(daemon.stderr()).contains("SIGTERM received while starting: stopped");
        }
    }

    /** An {@code adagiod api} for the etcd at {@code addresses}, waiting for it as {@code -etcd-wait} says. */
    private static AdagiodProcess startApi(String addresses, String etcdWait) {
        return AdagiodProcess.builder()
                .args("api", "-listen=127.0.0.1:0")
                .args(EtcdBackend.at(addresses).flags())
                .args("-etcd-wait=" + etcdWait)
                .start();
    }

    /**
     * The first line of adagiod's log that contains each of {@code texts}, which must come within
     * {@link #WITHIN} of this call (made right after the start), whether adagiod still runs or has exited.
     */
    static String awaitLine(AdagiodProcess daemon, String... texts) {
        var wanted = java.util.List.of(texts);
        try {
            return Awaitility.await()
                    .atMost(WITHIN)
                    .pollInterval(Duration.ofMillis(50))
                    .until(
                            () -> daemon.stderr()
                                    .lines()
                                    .filter(l -> wanted.stream().allMatch(l::contains))
                                    .findFirst(),
                            Optional::isPresent)
                    .orElseThrow();
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "adagiod logged no line with all of " + wanted + " within " + WITHIN + ":\n" + daemon.stderr());
        }
    }
}
