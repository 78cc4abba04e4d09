package io.adagio.core.model;

/** How an attempt ended. Values match the wire enum {@code adagio.Node.Result.Conclusion}. */
public enum Conclusion {
    NONE,
    SUCCESS,
    FAIL,
    ERROR
}
