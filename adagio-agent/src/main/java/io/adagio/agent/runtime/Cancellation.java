package io.adagio.agent.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signal that tells a running node function to stop. The agent pool holds the writing side
 * ({@link #cancel}); a function sees it through its {@link ExecutionContext}.
 */
public final class Cancellation {
    private static final Logger log = LoggerFactory.getLogger(Cancellation.class);

    private final List<Runnable> actions = new ArrayList<>();
    private String reason;

    /** A signal that has not been given. */
    public Cancellation() {}

    /**
     * Gives the signal: runs every registered action once (each on the caller's thread, in
     * registration order). Later calls do nothing.
     */
    public void cancel(String why) {
        List<Runnable> toRun;
        synchronized (this) {
            if (reason != null) {
                return;
            }
            reason = why == null || why.isEmpty() ? "cancelled" : why;
            toRun = List.copyOf(actions);
            actions.clear();
        }
        toRun.forEach(Cancellation::runQuietly);
    }

    public synchronized boolean isCancelled() {
        return reason != null;
    }

    public synchronized Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    /**
     * Runs {@code action} when the signal is given, or at once if it already was. Closing the
     * returned handle unregisters the action.
     */
    public Registration onCancel(Runnable action) {
        synchronized (this) {
            if (reason == null) {
                actions.add(action);
                return () -> {
                    synchronized (this) {
                        actions.remove(action);
                    }
                };
            }
        }
        runQuietly(action);
        return () -> {};
    }

    private static void runQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            // One broken action must not stop the others from cleaning up.
            log.warn("a cancellation action failed", e);
        }
    }

    /** Unregisters a cancellation action. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
