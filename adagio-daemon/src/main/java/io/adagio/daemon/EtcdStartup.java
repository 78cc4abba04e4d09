package io.adagio.daemon;

import io.adagio.agent.runtime.Durations;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.EtcdSettings;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Startup against etcd, bounded by {@code -etcd-wait}: looks at every endpoint
 * ({@link EtcdStartupCheck}) and serves a first request, and until both succeed says every
 * {@value #RETRY_SECONDS} seconds which endpoint fails and why, in one WARN line. A misconfiguration
 * (TLS, certificates, credentials, permissions) stops adagiod at once; passing trouble (refused,
 * unknown host, no answer) stops it once the wait is over. Either way the message names each endpoint
 * and its cause, and adagiod exits 1 instead of retrying without a word.
 */
final class EtcdStartup {
    private static final Logger log = LoggerFactory.getLogger(EtcdStartup.class);
    static final int RETRY_SECONDS = 2;

    private EtcdStartup() {}

    /**
     * Connects the repository once an endpoint answers, and returns it once it served a request. The
     * endpoints are probed before the etcd client is made, because making it takes seconds on a busy
     * machine (its classes, its event loops) and the operator must hear about a wrong address within a
     * few seconds.
     *
     * @param connect makes the repository (throws a {@link RuntimeException} when it cannot)
     * @throws StartupException naming each endpoint and what is wrong with it
     */
    static Repository await(EtcdSettings etcd, Supplier<Repository> connect, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        Repository repository = null;
        try {
            for (int attempt = 1; ; attempt++) {
                var findings = EtcdStartupCheck.probe(etcd);
                var misconfigured = findings.stream()
                        .filter(f -> f instanceof EtcdStartupCheck.Misconfigured)
                        .map(f -> ((EtcdStartupCheck.Misconfigured) f).problem())
                        .toList();
                if (!misconfigured.isEmpty()) {
                    throw new StartupException(String.join("; ", misconfigured));
                }
                String trouble;
                if (findings.stream().anyMatch(f -> f instanceof EtcdStartupCheck.Answers)) {
                    warnAboutTheOthers(findings);
                    if (repository == null) {
                        repository = connected(etcd, connect);
                    }
                    try {
                        repository.stats();
                        var served = repository;
                        repository = null; // the caller's now
                        return served;
                    } catch (RepositoryException e) {
                        if (!e.retryable()) {
                            // Retrying cannot fix wrong credentials or data this release cannot read: say so
                            // now, naming the option to fix where the refusal tells which.
                            throw new StartupException(
                                    EtcdStartupCheck.refusal(e, etcd).orElse(e.getMessage()), e);
                        }
                        trouble = "etcd answers but did not serve a first request: " + e.getMessage();
                    }
                } else {
                    trouble = "cannot reach etcd: " + causes(findings);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new StartupException(trouble
                            + (wait.isZero()
                                    ? " (" + Option.ETCD_WAIT.flag() + " is 0: not waiting for it)"
                                    : " (gave up after " + Durations.format(wait) + ", " + Option.ETCD_WAIT.flag()
                                            + ")"));
                }
                log.warn(
                        "{} (attempt {}; trying again every {}s for up to {} more, {})",
                        trouble,
                        attempt,
                        RETRY_SECONDS,
                        Durations.format(Duration.ofSeconds((left + 999_999_999L) / 1_000_000_000L)),
                        Option.ETCD_WAIT.flag());
                pause(Math.min(Duration.ofSeconds(RETRY_SECONDS).toNanos(), left));
            }
        } finally {
            if (repository != null) {
                repository.close();
            }
        }
    }

    private static Repository connected(EtcdSettings etcd, Supplier<Repository> connect) {
        try {
            return connect.get();
        } catch (RuntimeException e) {
            throw new StartupException(
                    "cannot connect to etcd at " + String.join(",", etcd.addresses()) + ": " + e.getMessage(), e);
        }
    }

    private static void warnAboutTheOthers(List<EtcdStartupCheck.Finding> findings) {
        for (var finding : findings) {
            if (finding instanceof EtcdStartupCheck.Unreachable u) {
                log.warn("etcd endpoint {} is not reachable ({}); using the others", u.address(), u.cause());
            }
        }
    }

    private static String causes(List<EtcdStartupCheck.Finding> findings) {
        return findings.stream()
                .map(f -> f instanceof EtcdStartupCheck.Unreachable u ? u.address() + ": " + u.cause() : f.address())
                .collect(Collectors.joining("; "));
    }

    private static void pause(long nanos) {
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while waiting for etcd");
        }
    }
}
