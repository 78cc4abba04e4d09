package io.adagio.client;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Node;
import io.adagio.core.model.Run;
import java.util.List;

/**
 * One message of a run's watch, with the run as it stands after it.
 *
 * @param run        the whole run after this message: the first message's run, with every later
 *                   message's nodes applied
 * @param changed    the nodes this message carried: every node for the first, then those that changed
 *                   since the message before (each in its latest state)
 * @param conclusion the run's conclusion as the server said it: NONE until the run is COMPLETED
 * @param first      whether this is the first message (the whole run)
 */
public record WatchUpdate(Run run, List<Node> changed, Conclusion conclusion, boolean first) {
    public WatchUpdate {
        changed = List.copyOf(changed);
    }

    /** Whether the run is COMPLETED: the last message of a watch. */
    public boolean completed() {
        return run.status() == io.adagio.core.model.RunStatus.COMPLETED;
    }
}
