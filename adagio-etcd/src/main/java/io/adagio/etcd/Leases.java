package io.adagio.etcd;

import io.adagio.core.repository.RepositoryException;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one liveness lease of a repository instance, granted on first need and kept alive by
 * heartbeats. When it is lost (revoked, or expired because heartbeats did not get through) it is
 * reported once and the next {@link #current()} grants a fresh one: claims made under the old lease
 * are gone with it.
 */
final class Leases {
    private static final Logger LOG = LoggerFactory.getLogger(Leases.class);

    private final Client client;
    private final EtcdSettings settings;
    private final Duration ttl;
    private final Duration requestTimeout;
    private final LongConsumer onLost;
    private final LongConsumer onGranted;
    private long id;
    private volatile long aliveId;
    private volatile long renewedAtNanos;
    private CloseableClient keepAlive;
    private volatile boolean closed;
    private final ScheduledExecutorService timer;

    /**
     * @param onLost    told once when a lease is lost
     * @param onGranted told, under this object's lock, when a lease was granted and before anyone
     *                  uses it (to register the instance with it); must not throw
     */
    Leases(
            Client client,
            EtcdSettings settings,
            ScheduledExecutorService timer,
            LongConsumer onLost,
            LongConsumer onGranted) {
        this.client = client;
        this.settings = settings;
        this.ttl = settings.leaseTtl();
        this.requestTimeout = settings.requestTimeout();
        this.timer = timer;
        this.onLost = onLost;
        this.onGranted = onGranted;
        // Heartbeats that silently stop getting through (etcd unreachable) end the lease for us
        // once its TTL has passed, even before etcd can say so.
        long period = Math.max(100, ttl.toMillis() / 4);
        timer.scheduleWithFixedDelay(this::checkExpiry, period, period, TimeUnit.MILLISECONDS);
    }

    private void checkExpiry() {
        long current = aliveId;
        if (current != 0 && !alive(current)) {
            LOG.warn("etcd lease {} was not renewed within its TTL of {}", current, ttl);
            lost(current);
        }
    }

    /** The live lease, granted now if there is none. */
    synchronized long current() {
        if (closed) {
            throw new RepositoryException.Unavailable("the etcd repository is closed");
        }
        if (id != 0 && alive(id)) {
            return id;
        }
        if (id != 0) {
            lost(id);
        }
        long asked = System.nanoTime();
        long granted;
        try {
            granted = client.getLeaseClient()
                    .grant(Math.max(2, ttl.toSeconds()))
                    .get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .getID();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RepositoryException.Unavailable("interrupted while granting an etcd lease", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw EtcdErrors.classify(e.getCause() == null ? e : e.getCause(), settings);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new RepositoryException.Unavailable(
                    "cannot get an etcd lease: etcd did not answer within " + requestTimeout, e);
        }
        id = granted;
        renewedAtNanos = asked;
        aliveId = granted;
        keepAlive = heartbeat(granted);
        LOG.debug("granted etcd lease {} with TTL {}", granted, ttl);
        onGranted.accept(granted);
        return granted;
    }

    /**
     * Heartbeats for the lease. A failed heartbeat stream is opened again (a network blip must not
     * end a lease etcd still holds); only etcd saying the lease is gone, or the TTL passing without
     * a renewal, ends it.
     */
    private CloseableClient heartbeat(long lease) {
        return client.getLeaseClient().keepAlive(lease, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                if (r.getTTL() <= 0) {
                    lost(lease);
                } else {
                    renewedAtNanos = System.nanoTime();
                }
            }

            @Override
            public void onError(Throwable t) {
                if (t.getMessage() != null && t.getMessage().contains("lease not found")) {
                    LOG.warn("etcd lease {} is gone: {}", lease, t.getMessage());
                    lost(lease);
                } else {
                    LOG.info("heartbeats of etcd lease {} interrupted ({}); retrying", lease, t.getMessage());
                    retryHeartbeat(lease);
                }
            }

            @Override
            public void onCompleted() {
                retryHeartbeat(lease);
            }
        });
    }

    private void retryHeartbeat(long lease) {
        if (closed) {
            return;
        }
        try {
            timer.schedule(
                    () -> {
                        CloseableClient old;
                        synchronized (this) {
                            if (closed || lease != id) {
                                return;
                            }
                            old = keepAlive;
                            keepAlive = heartbeat(lease);
                        }
                        if (old != null) {
                            old.close();
                        }
                    },
                    500,
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    /** The live lease, or 0. */
    long currentIfAny() {
        long a = aliveId;
        return a != 0 && alive(a) ? a : 0;
    }

    /**
     * Whether {@code lease} is this instance's lease and has been renewed within its TTL. False as
     * soon as heartbeats stop getting through for a TTL, even before etcd says the lease is gone.
     */
    boolean alive(long lease) {
        return lease != 0 && lease == aliveId && System.nanoTime() - renewedAtNanos < ttl.toNanos();
    }

    /** Reports {@code lease} lost once, if it is the current one. */
    void lost(long lease) {
        CloseableClient stream;
        synchronized (this) {
            if (lease == 0 || lease != id) {
                return;
            }
            id = 0;
            aliveId = 0;
            stream = keepAlive;
            keepAlive = null;
        }
        if (stream != null) {
            stream.close();
        }
        if (!closed) {
            onLost.accept(lease);
        }
    }

    /** Stops the heartbeats without revoking: the lease runs out on its own (tests of agent death). */
    void abandon() {
        stopHeartbeats();
    }

    /** Stops the heartbeats and revokes the lease, so that its keys go at once. */
    void close() {
        long lease = stopHeartbeats();
        if (lease != 0) {
            try {
                client.getLeaseClient().revoke(lease).get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.debug("could not revoke lease {} on close: {}", lease, e.getMessage());
            }
        }
    }

    /** Ends this instance's use of its lease: no more heartbeats, no lease handed out. Returns the lease, or 0. */
    private long stopHeartbeats() {
        long lease;
        CloseableClient stream;
        synchronized (this) {
            closed = true;
            lease = id;
            stream = keepAlive;
            id = 0;
            aliveId = 0;
            keepAlive = null;
        }
        if (stream != null) {
            stream.close();
        }
        return lease;
    }
}
