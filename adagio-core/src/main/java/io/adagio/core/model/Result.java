package io.adagio.core.model;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The outcome of one attempt at a node. The output is copied in and out: a Result never changes. */
public record Result(Conclusion conclusion, Map<String, List<String>> metadata, byte[] output) {

    public Result {
        if (conclusion == null) {
            conclusion = Conclusion.NONE;
        }
        metadata = Metadata.copyOf(metadata);
        output = output == null ? new byte[0] : output.clone();
    }

    public static Result success(String output) {
        return new Result(Conclusion.SUCCESS, Map.of(), output.getBytes(StandardCharsets.UTF_8));
    }

    public static Result fail(String output) {
        return new Result(Conclusion.FAIL, Map.of(), output.getBytes(StandardCharsets.UTF_8));
    }

    public static Result error(String output) {
        return new Result(Conclusion.ERROR, Map.of(), output.getBytes(StandardCharsets.UTF_8));
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
                && conclusion == r.conclusion
                && metadata.equals(r.metadata)
                && Arrays.equals(output, r.output);
    }

    @Override
    public int hashCode() {
        return (conclusion.hashCode() * 31 + metadata.hashCode()) * 31 + Arrays.hashCode(output);
    }

    @Override
    public String toString() {
        return "Result[" + conclusion + ", " + output.length + " bytes]";
    }
}
