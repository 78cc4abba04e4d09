package io.adagio.daemon;

import io.adagio.agent.AgentPool;
import io.adagio.core.repository.Repository;
import io.adagio.server.ApiServer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running adagiod: the repository, and the API and/or the agent pool on it. Stopping follows
 * DESIGN §6: stop accepting requests, shut the agent pool down gracefully (running nodes get the
 * grace period, the rest are recorded as ERROR), then close the repository.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final Settings settings;
    private final Repository repository;
    private ApiServer api;
    private AgentPool agents;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Daemon(Settings settings, Repository repository) {
        this.settings = settings;
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
        var daemon = new Daemon(settings, BackendFactory.open(settings));
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
            try {
                api = ApiServer.builder(repository)
                        .listen(settings.listen())
                        .build()
                        .start();
            } catch (RuntimeException e) {
                throw new StartupException("cannot serve the API on " + settings.listen() + ": " + rootMessage(e), e);
            }
        }
        if (settings.mode().runsAgents()) {
            agents = AgentPool.builder()
                    .repository(repository)
                    .runtimes(AgentRuntimes.registry(settings.agents()))
                    .agentCount(settings.agentCount())
                    .shutdownGracePeriod(settings.shutdownGrace())
                    .start();
        }
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
        if (api != null) {
            closeQuietly("API", api);
        }
        if (agents != null) {
            closeQuietly("agent pool", agents);
        }
        closeQuietly("repository", repository);
        log.info("adagiod stopped");
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
