package io.adagio.core.protocol;

import java.util.List;

/**
 * A run as a run-wide transition ({@link Transition.OfRun}: cancelling it, rerunning it) sees it:
 * every node, and the edges both ways. A backend reads (or holds) the whole run for these; they are
 * rare requests of a user, never on an agent's path.
 */
public interface WholeRun extends RunView {
    /** Every node's name, in spec order. */
    List<String> nodes();

    List<String> upstream(String node);
}
