package io.adagio.core.repository;

import io.adagio.core.model.Node;
import java.util.Objects;

/**
 * The answer to a finish: the node as it is now, and the downstream node the finish claimed for the
 * same agent when it was asked to ({@link NextClaim}), or null.
 *
 * @param next a node RUNNING under the {@link NextClaim}'s claim, with its inputs; the agent runs it
 *             and finishes it as if it had claimed it itself
 */
public record Finished(Node node, Node next) {
    public Finished {
        Objects.requireNonNull(node, "node");
    }
}
