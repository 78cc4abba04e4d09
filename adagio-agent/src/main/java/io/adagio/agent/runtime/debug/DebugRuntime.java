package io.adagio.agent.runtime.debug;

import io.adagio.agent.runtime.Argument;
import io.adagio.agent.runtime.Arguments;
import io.adagio.agent.runtime.Durations;
import io.adagio.agent.runtime.ExecutionContext;
import io.adagio.agent.runtime.NodeFunction;
import io.adagio.agent.runtime.Runtime;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Result;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * {@code debug}: concludes as told, for trying out workflows and agents.
 *
 * <ul>
 *   <li>{@code conclusion}: {@code success} (default), {@code fail} or {@code error};</li>
 *   <li>{@code sleep}: how long to take first (a duration, default none);</li>
 *   <li>{@code chances}: values like {@code 0.5 fail}, {@code 0.25 error}, {@code 0.1 panic}; each
 *       in turn, with that probability, decides the conclusion instead ({@code panic} throws inside
 *       the runtime, which the agent records as an {@code ERROR}).</li>
 * </ul>
 * The output says which node ran, what was decided and why.
 */
public final class DebugRuntime implements Runtime {
    public static final String NAME = "debug";

    public static final Argument<String> CONCLUSION =
            Argument.string("conclusion").withDefault("success").describedAs("success, fail or error");
    public static final Argument<Duration> SLEEP =
            Argument.duration("sleep").withDefault(Duration.ZERO).describedAs("how long to take before concluding");
    public static final Argument<List<String>> CHANCES = Argument.strings("chances")
            .describedAs("\"<probability> <success|fail|error|panic>\" values, tried in order");

    private final RandomGenerator random;

    /** A debug runtime drawing chances from the thread's own random generator. */
    public DebugRuntime() {
        this.random = null;
    }

    /** A debug runtime drawing chances from {@code random} (which must be thread-safe, like {@link java.util.Random}). */
    public DebugRuntime(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Argument<?>> arguments() {
        return List.of(CONCLUSION, SLEEP, CHANCES);
    }

    /** What a node may be told to do. */
    enum Outcome {
        SUCCESS,
        FAIL,
        ERROR,
        PANIC;

        static Optional<Outcome> parse(String s) {
            for (var o : values()) {
                if (o.name().equalsIgnoreCase(s)) {
                    return Optional.of(o);
                }
            }
            return Optional.empty();
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    record Chance(double probability, Outcome outcome, String text) {}

    @Override
    public NodeFunction create(Arguments args) {
        var conclusion = Outcome.parse(args.get(CONCLUSION).strip())
                .filter(o -> o != Outcome.PANIC)
                .orElseThrow(() ->
                        args.invalid(CONCLUSION, "\"" + args.get(CONCLUSION) + "\" is not success, fail or error"));
        var sleep = args.get(SLEEP);
        if (sleep.isNegative()) {
            throw args.invalid(SLEEP, "must not be negative, got " + Durations.format(sleep));
        }
        var chances = new ArrayList<Chance>();
        for (var text : args.get(CHANCES)) {
            chances.add(parseChance(args, text));
        }
        return context -> run(context, conclusion, sleep, List.copyOf(chances));
    }

    private static Chance parseChance(Arguments args, String text) {
        var parts = text.strip().split("\\s+");
        if (parts.length != 2) {
            throw args.invalid(CHANCES, "\"" + text + "\" is not \"<probability> <outcome>\" (like \"0.5 fail\")");
        }
        double p;
        try {
            p = Double.parseDouble(parts[0]);
        } catch (NumberFormatException e) {
            throw args.invalid(
                    CHANCES, "\"" + parts[0] + "\" in \"" + text + "\" is not a probability between 0 and 1");
        }
        if (!(p >= 0 && p <= 1)) {
            throw args.invalid(
                    CHANCES, "\"" + parts[0] + "\" in \"" + text + "\" is not a probability between 0 and 1");
        }
        var outcome = Outcome.parse(parts[1])
                .orElseThrow(() -> args.invalid(
                        CHANCES, "\"" + parts[1] + "\" in \"" + text + "\" is not success, fail, error or panic"));
        return new Chance(p, outcome, text.strip());
    }

    private Result run(ExecutionContext context, Outcome conclusion, Duration sleep, List<Chance> chances)
            throws InterruptedException {
        if (sleep.isPositive()) {
            Thread.sleep(sleep);
        }
        var rng = random != null ? random : ThreadLocalRandom.current();
        var decided = conclusion;
        var why = "conclusion " + conclusion.label();
        for (var chance : chances) {
            if (rng.nextDouble() < chance.probability()) {
                decided = chance.outcome();
                why = "chance \"" + chance.text() + "\" came up";
                break;
            }
        }
        var report = "debug: node \"" + context.nodeName() + "\" of run " + context.runId() + " concluded "
                + decided.label() + " (" + why + ")"
                + (sleep.isPositive() ? " after sleeping " + Durations.format(sleep) : "")
                + (context.inputs().isEmpty()
                        ? ""
                        : "; inputs from "
                                + String.join(
                                        ", ", new TreeSet<>(context.inputs().keySet())));
        var conclusionOut = switch (decided) {
            case SUCCESS -> Conclusion.SUCCESS;
            case FAIL -> Conclusion.FAIL;
            case ERROR -> Conclusion.ERROR;
            // Deliberately thrown: shows that a broken runtime is recorded as ERROR and the agent survives.
            case PANIC -> throw new DebugPanic(report);
        };
        return new Result(
                conclusionOut,
                Map.of("debug.decision", List.of(decided.label())),
                report.getBytes(StandardCharsets.UTF_8));
    }

    /** What {@code panic} throws. */
    public static final class DebugPanic extends RuntimeException {
        DebugPanic(String message) {
            super(message);
        }
    }
}
