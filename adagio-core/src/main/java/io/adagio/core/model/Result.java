package io.adagio.core.model;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of one attempt at a node. The output is copied in and out: a Result never changes.
 *
 * <p>An agent reports the first three components; the protocol stamps the rest when it records the
 * attempt ({@link #stamped}), so agents need not send them and cannot get them wrong.
 *
 * @param startedAt  when the attempt's claim was made; null until recorded
 * @param finishedAt when the attempt was recorded; null until then
 * @param agentId    the agent that made the attempt (its claim's {@link Claim#agentId()}); empty when
 *                   not known
 */
public record Result(
        Conclusion conclusion,
        Map<String, List<String>> metadata,
        byte[] output,
        Instant startedAt,
        Instant finishedAt,
        String agentId) {

    public Result {
        if (conclusion == null) {
            conclusion = Conclusion.NONE;
        }
        metadata = Metadata.copyOf(metadata);
        output = output == null ? new byte[0] : output.clone();
        agentId = agentId == null ? "" : agentId;
    }

    /** A result as an agent reports it: no times, no agent (the protocol stamps them). */
    public Result(Conclusion conclusion, Map<String, List<String>> metadata, byte[] output) {
        this(conclusion, metadata, output, null, null, "");
    }

    public static Result success(String output) {
        return of(Conclusion.SUCCESS, output);
    }

    public static Result fail(String output) {
        return of(Conclusion.FAIL, output);
    }

    public static Result error(String output) {
        return of(Conclusion.ERROR, output);
    }

    /** An attempt its agent interrupted because the run was cancelled. */
    public static Result cancelled(String output) {
        return of(Conclusion.CANCELLED, output);
    }

    private static Result of(Conclusion conclusion, String output) {
        return new Result(conclusion, Map.of(), output.getBytes(StandardCharsets.UTF_8));
    }

    /** This result with its attempt's times and agent, as recorded. */
    public Result stamped(Instant started, Instant finished, String agent) {
        return new Result(conclusion, metadata, output, started, finished, agent);
    }

    /** Whether both report the same outcome (conclusion, metadata, output), whatever their stamps. */
    public boolean sameOutcome(Result other) {
        return other != null
                && conclusion == other.conclusion
                && metadata.equals(other.metadata)
                && Arrays.equals(output, other.output);
    }

    @Override
    public byte[] output() {
        return output.clone();
    }

    public String outputText() {
        return new String(output, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Result r
                && sameOutcome(r)
                && Objects.equals(startedAt, r.startedAt)
                && Objects.equals(finishedAt, r.finishedAt)
                && agentId.equals(r.agentId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(conclusion, metadata, Arrays.hashCode(output), startedAt, finishedAt, agentId);
    }

    @Override
    public String toString() {
        return "Result[" + conclusion + ", " + output.length + " bytes" + (agentId.isEmpty() ? "" : ", by " + agentId)
                + "]";
    }
}
