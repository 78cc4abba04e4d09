package io.adagio.core.model;

import java.util.Optional;

/** What ended an attempt, as far as retry rules are concerned. */
public enum RetryCondition {
    /** The work itself reported failure. */
    FAIL("fail"),
    /** A system error: the runtime broke, the agent died, the node was orphaned. */
    ERROR("error");

    private final String key;

    RetryCondition(String key) {
        this.key = key;
    }

    /** The spelling used in graph specs ({@code "fail"}, {@code "error"}). */
    public String key() {
        return key;
    }

    public static Optional<RetryCondition> fromKey(String key) {
        for (var c : values()) {
            if (c.key.equals(key)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The condition an attempt with this conclusion counts against, if any. */
    public static Optional<RetryCondition> of(Conclusion conclusion) {
        return switch (conclusion) {
            case FAIL -> Optional.of(FAIL);
            case ERROR -> Optional.of(ERROR);
            case SUCCESS, CANCELLED, NONE -> Optional.empty();
        };
    }
}
