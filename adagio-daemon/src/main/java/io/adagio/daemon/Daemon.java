package io.adagio.daemon;

import io.adagio.agent.AgentPool;
import io.adagio.core.repository.Repository;
import io.adagio.daemon.retention.Housekeeper;
import io.adagio.server.ApiServer;
import io.adagio.server.security.ApiSecurity;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running adagiod: the repository, and the API and/or the agent pool on it. Stopping
 * (docs/ARCHITECTURE.md, "The daemon"): stop accepting requests, shut the agent pool down
 * gracefully (running nodes get the grace period, the rest are recorded as ERROR), then close the
 * repository.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    /** How often {@code -insecure-no-auth} is complained about again. */
    static final Duration INSECURE_WARNING_INTERVAL = Duration.ofHours(1);

    private final Settings settings;
    private final ApiSecurity security;
    private final Repository repository;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private ApiServer api;
    private Housekeeper housekeeper;
    private ScheduledExecutorService warnings;
    private AgentPool agents;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Daemon(Settings settings, ApiSecurity security, Repository repository) {
        this.settings = settings;
        this.security = security;
        this.repository = repository;
    }

    /** Opens the backend and starts what the mode asks for; on failure nothing is left running. */
    public static Daemon start(Settings settings) {
        log.info(
                "adagiod starting: mode {}, backend {}{}",
                settings.mode().name().toLowerCase(java.util.Locale.ROOT),
                settings.backendType().key(),
                settings.backendType() == BackendType.ETCD ? " at " + String.join(",", settings.etcdAddresses()) : "");
        if (settings.backendType() == BackendType.MEMORY && settings.mode() != Mode.ALL) {
            log.warn(
                    "the memory backend keeps state inside this process: {} can never see the runs of a separate {} process"
                            + " (and this state is lost when it exits); run api and agent together, or use -backend-type=etcd",
                    settings.mode() == Mode.API ? "no agent" : "no API",
                    settings.mode() == Mode.API ? "agent" : "API");
        }
        // The API's files first: a mistake in them is a configuration error, found before any connection.
        var security = settings.mode().runsApi() ? ApiProtection.open(settings) : ApiSecurity.DEFAULT;
        Repository repository;
        try {
            repository = BackendFactory.open(settings);
        } catch (RuntimeException e) {
            closeTokens(security);
            throw e;
        }
        var daemon = new Daemon(settings, security, repository);
        try {
            daemon.startParts();
        } catch (RuntimeException e) {
            daemon.close();
            throw e;
        }
        return daemon;
    }

    private void startParts() {
        if (settings.mode().runsApi()) {
            housekeeper =
                    BackendFactory.housekeeper(repository, settings, metrics).start();
            try {
                api = ApiServer.builder(repository)
                        .listen(settings.listen())
                        .meterRegistry(metrics)
                        .storage(housekeeper::storage)
                        .limits(BackendFactory.limits(settings))
                        .security(security)
                        .build()
                        .start();
            } catch (RuntimeException e) {
                throw new StartupException("cannot serve the API on " + settings.listen() + ": " + rootMessage(e), e);
            }
            ApiProtection.insecureWarning(settings).ifPresent(this::warnEveryHour);
        }
        if (settings.mode().runsAgents()) {
            agents = AgentPool.builder()
                    .repository(repository)
                    .runtimes(AgentRuntimes.registry(settings.agents()))
                    .agentCount(settings.agentCount())
                    .claimNext(settings.agents().eagerClaims())
                    .shutdownGracePeriod(settings.shutdownGrace())
                    .start();
        }
    }

    private void warnEveryHour(String warning) {
        log.warn(warning);
        warnings = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("adagiod-warnings").daemon().factory());
        long every = INSECURE_WARNING_INTERVAL.toMillis();
        warnings.scheduleAtFixedRate(() -> log.warn(warning), every, every, TimeUnit.MILLISECONDS);
    }

    /** Reads the API's token file again (adagiod calls it on SIGHUP); false when there is none. */
    public boolean reloadCredentials() {
        var tokens = security.tokens();
        if (tokens == null) {
            return false;
        }
        tokens.reload();
        return true;
    }

    /** The API's bound port, or -1 when this process runs no API. */
    public int apiPort() {
        return api == null ? -1 : api.port();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("adagiod shutting down");
        if (warnings != null) {
            warnings.shutdownNow();
        }
        if (api != null) {
            closeQuietly("API", api);
        }
        if (housekeeper != null) {
            closeQuietly("housekeeping", housekeeper);
        }
        closeTokens(security);
        if (agents != null) {
            closeQuietly("agent pool", agents);
        }
        closeQuietly("repository", repository);
        log.info("adagiod stopped");
    }

    private static void closeTokens(ApiSecurity security) {
        if (security.tokens() != null) {
            security.tokens().close();
        }
    }

    private static void closeQuietly(String what, AutoCloseable part) {
        try {
            part.close();
        } catch (Exception e) {
            log.warn("stopping the {} failed: {}", what, e.toString());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
