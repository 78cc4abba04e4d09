package io.adagio.server.watch;

import io.adagio.core.repository.Repository;
import io.adagio.core.repository.RepositoryException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * The watch streams of one API server, gRPC and SSE alike: each a {@link WatchSession} over a
 * {@link io.adagio.core.repository.RunWatch}, paced by one small scheduler, with the encodings of a
 * run shared by all its streams ({@link RunCodec}). Stopping the hub ends every stream with
 * UNAVAILABLE, so that the server's graceful shutdown is not held up by streams that never end.
 */
public final class WatchHub implements AutoCloseable {
    /** How often an idle SSE stream sends a comment, so that proxies keep it open. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);

    private final Repository repository;
    private final Duration heartbeat;
    private final ScheduledExecutorService scheduler;
    private final Set<WatchSession> sessions = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, SharedCodec> codecs = new ConcurrentHashMap<>();

    public WatchHub(Repository repository, Duration heartbeat) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors() / 2);
        this.scheduler = Executors.newScheduledThreadPool(
                threads, Thread.ofPlatform().daemon().name("adagio-watch-", 0).factory());
    }

    /** How many watch streams are open. */
    public int streams() {
        return sessions.size();
    }

    /**
     * Opens a stream of the run's updates into the sink made by {@code sinks} (which gets the run's
     * shared encodings and the session to tell when it can take messages again).
     *
     * @throws RepositoryException when the run cannot be watched (NOT_FOUND for an unknown run):
     *                             nothing was sent
     */
    WatchSession open(String runId, long resumeAfter, Function<Opening, WatchSession.Sink> sinks) {
        var codec = acquire(runId);
        var session = new WatchSession[1];
        session[0] = new WatchSession(scheduler, heartbeat, () -> {
            sessions.remove(session[0]);
            release(runId, codec);
        });
        try {
            var watch = repository.watchRun(runId, resumeAfter, session[0]::signal);
            sessions.add(session[0]);
            session[0].start(watch, sinks.apply(new Opening(codec.codec, session[0])));
            return session[0];
        } catch (RuntimeException e) {
            release(runId, codec);
            throw e;
        }
    }

    /** What a sink is made with. */
    record Opening(RunCodec codec, WatchSession session) {}

    /** Ends every stream with UNAVAILABLE and stops the scheduler. */
    @Override
    public void close() {
        for (var s : List.copyOf(sessions)) {
            s.shutdown();
        }
        scheduler.shutdownNow();
    }

    private SharedCodec acquire(String runId) {
        return codecs.compute(runId, (id, current) -> {
            var c = current == null ? new SharedCodec() : current;
            c.users++;
            return c;
        });
    }

    private void release(String runId, SharedCodec codec) {
        codecs.computeIfPresent(runId, (id, current) -> {
            if (current != codec) {
                return current;
            }
            return --current.users == 0 ? null : current;
        });
    }

    /** A run's codec and how many streams use it; guarded by the map's per-key locking. */
    private static final class SharedCodec {
        final RunCodec codec = new RunCodec();
        int users;
    }
}
