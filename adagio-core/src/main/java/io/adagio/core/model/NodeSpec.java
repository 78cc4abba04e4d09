package io.adagio.core.model;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One vertex of a graph spec: a named piece of work and the runtime that performs it.
 *
 * <p>{@code retry} is keyed by the raw condition text as submitted so that validation can name an
 * unknown condition; {@link #retryRule(RetryCondition)} reads it typed.
 *
 * @param timeout the longest one attempt may run (its agent stops it then and records ERROR), or
 *                null for no limit
 */
public record NodeSpec(
        String name,
        String runtime,
        Map<String, List<String>> metadata,
        Map<String, RetryRule> retry,
        Duration timeout) {

    public NodeSpec {
        metadata = Metadata.copyOf(metadata);
        retry = retry == null || retry.isEmpty()
                ? Map.of()
                : Collections.unmodifiableMap(new java.util.LinkedHashMap<>(retry));
    }

    public NodeSpec(String name, String runtime, Map<String, List<String>> metadata, Map<String, RetryRule> retry) {
        this(name, runtime, metadata, retry, null);
    }

    public NodeSpec(String name, String runtime) {
        this(name, runtime, Map.of(), Map.of());
    }

    public NodeSpec withTimeout(Duration t) {
        return new NodeSpec(name, runtime, metadata, retry, t);
    }

    public Optional<RetryRule> retryRule(RetryCondition condition) {
        return Optional.ofNullable(retry.get(condition.key()));
    }

    /** The typed retry rules; unknown conditions (rejected by validation) are left out. */
    public Map<RetryCondition, RetryRule> retryRules() {
        var rules = new EnumMap<RetryCondition, RetryRule>(RetryCondition.class);
        retry.forEach((k, v) -> RetryCondition.fromKey(k).ifPresent(c -> rules.put(c, v)));
        return rules;
    }
}
