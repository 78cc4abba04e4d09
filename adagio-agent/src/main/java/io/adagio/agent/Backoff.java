package io.adagio.agent;

import io.adagio.agent.runtime.Durations;
import io.adagio.core.repository.RepositoryException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool's one retry policy, for claims, results and subscriptions alike: an operation that failed
 * with an error that can pass ({@linkplain RepositoryException#retryable() retryable}: the repository
 * unreachable or too busy) is tried again after a pause that starts at {@code initial} and doubles up
 * to {@code max}, for as long as the caller's {@link Patience} lasts. Any other error is thrown at
 * once: trying again cannot mend a refusal, a record the store cannot read, or refused credentials.
 */
record Backoff(Duration initial, Duration max) {
    private static final Logger log = LoggerFactory.getLogger(AgentPool.class);

    /** How long a caller keeps trying, and how it waits between tries. */
    interface Patience {
        /** Whether another try is still worth it (false once shutting down, or after a deadline). */
        boolean allowsRetry();

        /** Waits {@code delay} before the next try; may return early (shutdown cuts a pause short). */
        void pause(Duration delay) throws InterruptedException;
    }

    Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, got " + initial + " and " + max);
        }
    }

    /**
     * Runs {@code operation}, trying again while it fails with an error that can pass and
     * {@code patience} allows; the last error is thrown when patience ran out.
     *
     * @param what what the operation does, for the log ("claim node ..."): made only when it fails
     */
    <T> T call(Supplier<String> what, Supplier<T> operation, Patience patience) throws InterruptedException {
        var delay = initial;
        while (true) {
            try {
                return operation.get();
            } catch (RepositoryException e) {
                if (!canPass(e) || !patience.allowsRetry()) {
                    throw e;
                }
                log.warn(
                        "could not {}: repository {} ({}); retrying in {}",
                        what.get(),
                        switch (e) {
                            case RepositoryException.Contention c -> "busy";
                            case RepositoryException.StorageFull f -> "full";
                            default -> "unavailable";
                        },
                        e.getMessage(),
                        Durations.format(delay));
                patience.pause(delay);
                delay = next(delay);
            }
        }
    }

    /** The pause after {@code delay}: twice as long, up to {@link #max}. */
    Duration next(Duration delay) {
        var doubled = delay.multipliedBy(2);
        return doubled.compareTo(max) > 0 ? max : doubled;
    }

    /** Whether the same request, made again later, can succeed. */
    static boolean canPass(RepositoryException e) {
        return e.retryable();
    }

    /**
     * Whether the error is the store's lasting trouble, which only an operator can end (a record it
     * cannot read, refused credentials): logged as an ERROR, not as a refusal of one request.
     */
    static boolean needsOperator(RepositoryException e) {
        return e instanceof RepositoryException.StorageFormat || e instanceof RepositoryException.AccessDenied;
    }
}
