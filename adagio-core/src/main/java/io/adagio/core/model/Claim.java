package io.adagio.core.model;

import java.util.List;
import java.util.Map;

/**
 * A claim on a node: whoever holds the current claim, and only they, may finish the node.
 *
 * <p>The agent that made the claim travels in its metadata under {@link #AGENT_KEY}, so that it
 * survives every store and wire form a claim has ({@code adagio.Claim{id, metadata}}); the protocol
 * stamps it on the attempt the claim records ({@link Result#agentId()}).
 */
public record Claim(String id, Map<String, List<String>> metadata) {
    /** Metadata key: the id of the agent holding the claim. */
    public static final String AGENT_KEY = "adagio.agent.id";

    public Claim {
        metadata = Metadata.copyOf(metadata);
    }

    public Claim(String id) {
        this(id, Map.of());
    }

    /** A claim made by agent {@code agentId}. */
    public static Claim byAgent(String id, String agentId) {
        return new Claim(id, Map.of(AGENT_KEY, List.of(agentId)));
    }

    /** The agent that made the claim, or empty when the claimer did not say. */
    public String agentId() {
        var values = metadata.get(AGENT_KEY);
        return values == null || values.isEmpty() ? "" : values.getFirst();
    }
}
