package io.adagio.core.model;

/**
 * How an attempt ended, and how a node or a run ended once COMPLETED. Values match the wire enum
 * {@code adagio.Node.Result.Conclusion}.
 */
public enum Conclusion {
    NONE,
    SUCCESS,
    FAIL,
    ERROR,
    /**
     * The run was cancelled: an attempt its agent interrupted (or whose agent died after the cancel),
     * a node cancelled before it ran, a cancelled run.
     */
    CANCELLED
}
