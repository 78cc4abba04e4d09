package io.adagio.agent;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.DurationText;
import io.adagio.core.model.Result;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Why the agent stopped a running attempt, and what it records for it: a cancel is CANCELLED, a
 * timeout ERROR (so the node's {@code error} retry rule applies), each with the reason in the output.
 * The pool's shutdown and a lost registration record their own outcomes.
 *
 * @param reason what the runtime is told ({@code ExecutionContext#cancellationReason()}) and the
 *               output says
 */
record Stop(Kind kind, String reason) {
    enum Kind {
        /** The node's run was cancelled. */
        CANCEL,
        /** The attempt ran longer than the node's timeout. */
        TIMEOUT,
        /** The pool is shutting down. */
        SHUTDOWN,
        /** The pool's registration, and the claim with it, went. */
        LOST_REGISTRATION
    }

    static final Stop CANCEL = new Stop(Kind.CANCEL, "run cancelled");
    static final Stop SHUTDOWN = new Stop(Kind.SHUTDOWN, AgentPool.SHUTDOWN_OUTPUT);
    static final Stop LOST_REGISTRATION = new Stop(Kind.LOST_REGISTRATION, AgentPool.LOST_REGISTRATION);

    /** A timeout of {@code timeout}, written as the spec wrote it: "timed out after 1.5s". */
    static Stop timeout(Duration timeout) {
        return new Stop(Kind.TIMEOUT, "timed out after " + DurationText.format(timeout));
    }

    /** Whether the agent records this stop's own result (else whoever stopped it decides). */
    boolean decidesResult() {
        return kind == Kind.CANCEL || kind == Kind.TIMEOUT;
    }

    /**
     * The attempt's result once stopped: CANCELLED or ERROR, keeping what the runtime returned
     * (its output and metadata, if it returned at all) and saying why at the end.
     *
     * @param fromRuntime what the runtime returned, or null when it did not return in time
     */
    Result result(Result fromRuntime) {
        var conclusion = kind == Kind.CANCEL ? Conclusion.CANCELLED : Conclusion.ERROR;
        if (fromRuntime == null) {
            return new Result(conclusion, Map.of(), reason.getBytes(StandardCharsets.UTF_8));
        }
        var text = fromRuntime.outputText();
        if (!text.contains(reason)) {
            text = text.isEmpty() || text.endsWith("\n") ? text + reason : text + "\n" + reason;
        }
        return new Result(conclusion, fromRuntime.metadata(), text.getBytes(StandardCharsets.UTF_8));
    }
}
