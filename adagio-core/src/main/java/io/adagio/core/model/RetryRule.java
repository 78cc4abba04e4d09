package io.adagio.core.model;

/**
 * How many attempts may end in one condition, the first included. A record so that later rules
 * (backoff, caps) can add components without changing its users.
 */
public record RetryRule(int maxAttempts) {
    public static RetryRule maxAttempts(int n) {
        return new RetryRule(n);
    }
}
