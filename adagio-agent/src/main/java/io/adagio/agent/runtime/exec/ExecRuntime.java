package io.adagio.agent.runtime.exec;

import io.adagio.agent.runtime.Argument;
import io.adagio.agent.runtime.Arguments;
import io.adagio.agent.runtime.Durations;
import io.adagio.agent.runtime.ExecutionContext;
import io.adagio.agent.runtime.NodeFunction;
import io.adagio.agent.runtime.Runtime;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code exec}: runs a program directly (no shell) and records what it printed.
 *
 * <ul>
 *   <li>{@code command} (required): the program, found on the agent's {@code PATH} unless a path;</li>
 *   <li>{@code args}: its arguments, one per value;</li>
 *   <li>{@code env}: environment variables for it, one {@code NAME=VALUE} per value;</li>
 *   <li>{@code dir}: run in this existing directory instead of a fresh one (nothing is removed);</li>
 *   <li>{@code timeout}: kill the program after this long (a duration; default none).</li>
 * </ul>
 *
 * <p>The program does not inherit the agent's environment: it gets the few variables
 * {@link ExecEnvironment} lists ({@code PATH}, {@code HOME}, {@code LANG}, {@code TZ},
 * {@code TMPDIR}), those the operator allows ({@link Builder#allowEnvironment}), the node's
 * {@code env} entries, and {@code ADAGIO_RUN_ID}, {@code ADAGIO_NODE} and {@code ADAGIO_ATTEMPT};
 * never an {@code ADAGIOD_*} variable. An {@code env} entry that is not {@code NAME=VALUE}, or sets
 * {@code ADAGIOD_*} or one of the agent's three, makes the attempt an {@code ERROR} naming it.
 *
 * <p>Each attempt runs in a fresh directory under the work root (default: the system's temporary
 * directory), readable by the agent's user only and removed with its contents when the attempt
 * ends, however it ends. Symbolic links in it are removed, never followed.
 *
 * <p>Standard output and standard error are captured together as the result's output, up to a cap
 * (default 1 MiB) beyond which the output is cut and a marker line says so. Exit code 0 is
 * {@code SUCCESS}; any other is {@code FAIL} with the code in result metadata {@code exit_code}; a
 * program that cannot start, times out or is stopped because the agent stops it is {@code ERROR}.
 *
 * <p>The program leads a process group of its own (it is started through {@code setsid}). Stopping it
 * (the run cancelled, the node's timeout or this {@code timeout} reached, the agent shutting down)
 * sends SIGTERM to its group and to every descendant, and SIGKILL to what is left after the kill
 * grace ({@link Builder#killGrace}, default {@value #DEFAULT_KILL_GRACE_SECONDS}s): nothing it started
 * outlives the attempt, not even {@code sleep} under {@code sh -c}. A command is looked up in the
 * directories of the {@code PATH} the program gets (a name with a '/' is a path from its working
 * directory); one that is not found there is an {@code ERROR} ("cannot start").
 */
public final class ExecRuntime implements Runtime {
    public static final String NAME = "exec";
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 1 << 20;
    /** Result metadata key: the program's exit code, on FAIL. */
    public static final String EXIT_CODE = "exit_code";
    /** Result metadata key: how many bytes of output were dropped, when some were. */
    public static final String OUTPUT_TRUNCATED = "output_truncated";

    public static final int DEFAULT_KILL_GRACE_SECONDS = 3;

    public static final Argument<String> COMMAND =
            Argument.string("command").required().describedAs("the program to run");
    public static final Argument<List<String>> ARGS = Argument.strings("args").describedAs("its arguments");
    public static final Argument<List<String>> ENV =
            Argument.strings("env").describedAs("environment variables for the program, NAME=VALUE each");
    public static final Argument<String> DIR =
            Argument.string("dir").describedAs("run in this directory instead of a fresh one");
    public static final Argument<Duration> TIMEOUT = Argument.duration("timeout")
            .withDefault(Duration.ZERO)
            .describedAs("kill the program after this long (0: never)");

    /** How long to wait for the output pipe to drain once the program ended (a leftover grandchild may hold it open). */
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(2);
    /** How long killed processes get to be gone before their working directory is removed. */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(5);

    private final int maxOutputBytes;
    private final ExecEnvironment environment;
    private final Path workRoot;
    private final Duration killGrace;

    /** An exec runtime with the defaults: 1 MiB of output, no extra variables, the system's temporary directory. */
    public ExecRuntime() {
        this(builder());
    }

    /** An exec runtime keeping at most {@code maxOutputBytes} of each program's output. */
    public ExecRuntime(int maxOutputBytes) {
        this(builder().maxOutputBytes(maxOutputBytes));
    }

    private ExecRuntime(Builder b) {
        this.maxOutputBytes = b.maxOutputBytes;
        this.environment = ExecEnvironment.of(b.allowed, b.source);
        this.workRoot = b.workRoot;
        this.killGrace = b.killGrace;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Argument<?>> arguments() {
        return List.of(COMMAND, ARGS, ENV, DIR, TIMEOUT);
    }

    /** What every child gets from the agent's environment (names and values; never log the values). */
    public ExecEnvironment environment() {
        return environment;
    }

    /** Where the attempts' working directories are made. */
    public Path workRoot() {
        return workRoot;
    }

    /** How long a program told to stop gets after SIGTERM before SIGKILL. */
    public Duration killGrace() {
        return killGrace;
    }

    @Override
    public NodeFunction create(Arguments args) {
        var command = args.get(COMMAND);
        if (command.isBlank()) {
            throw args.invalid(COMMAND, "must not be empty");
        }
        var timeout = args.get(TIMEOUT);
        if (timeout.isNegative()) {
            throw args.invalid(TIMEOUT, "must not be negative, got " + Durations.format(timeout));
        }
        Map<String, String> entries;
        try {
            entries = ExecEnvironment.parseEntries(args.get(ENV));
        } catch (IllegalArgumentException e) {
            throw args.invalid(ENV, e.getMessage());
        }
        Path dir = null;
        if (args.get(DIR) != null && !args.get(DIR).isEmpty()) {
            dir = Path.of(args.get(DIR));
            if (!Files.isDirectory(dir)) {
                throw args.invalid(DIR, "\"" + dir + "\" is not a directory");
            }
        }
        var attempt = new Attempt(command, List.copyOf(args.get(ARGS)), entries, dir, timeout);
        return context -> run(context, attempt);
    }

    /** One attempt's configuration, read from the node's arguments. */
    private record Attempt(String program, List<String> args, Map<String, String> env, Path dir, Duration timeout) {}

    private Result run(ExecutionContext context, Attempt attempt) {
        if (attempt.dir() != null) {
            return execute(context, attempt, attempt.dir());
        }
        AttemptDirectory fresh;
        try {
            fresh = AttemptDirectory.create(workRoot);
        } catch (IOException e) {
            return Result.error("exec: " + AttemptDirectory.describe(workRoot, e));
        }
        try (fresh) {
            return execute(context, attempt, fresh.path());
        }
    }

    private Result execute(ExecutionContext context, Attempt attempt, Path dir) {
        var env = environment.forAttempt(attempt.env(), context.runId(), context.nodeName(), context.attempt());
        var program = Executables.find(attempt.program(), env.get("PATH"), dir).orElse(null);
        if (program == null) {
            return Result.error("exec: cannot start \"" + attempt.program() + "\": no such executable"
                    + (attempt.program().contains("/") ? "" : " on the PATH it gets"));
        }
        var builder = new ProcessBuilder(ProcessTree.commandLine(program, attempt.args()))
                .redirectErrorStream(true)
                .directory(dir.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return Result.error("exec: cannot start \"" + attempt.program() + "\": " + e.getMessage());
        }
        var tree = ProcessTree.of(process);
        var output = new CappedOutput(maxOutputBytes);
        var reader = Thread.ofVirtual()
                .name("exec-output-" + process.pid())
                .start(() -> output.readAll(process.getInputStream()));
        // Told to stop (cancel, timeout, shutdown): SIGTERM at once, from whichever thread tells; this
        // thread, interrupted, sees it through (SIGKILL after the grace).
        var registration = context.onCancel(tree::terminate);
        var timeout = attempt.timeout();
        try {
            // The program gets no input: it reads end of file at once instead of waiting forever.
            closeQuietly(process.getOutputStream());
            boolean exited;
            try {
                if (timeout.isZero()) {
                    process.waitFor();
                    exited = true;
                } else {
                    exited = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                tree.stop(killGrace);
                drain(reader, process);
                Thread.currentThread().interrupt();
                return error(
                        output,
                        "exec: interrupted (" + context.cancellationReason().orElse("agent stopping") + "); \""
                                + attempt.program() + "\" was killed");
            }
            if (!exited) {
                tree.stop(killGrace);
                drain(reader, process);
                return error(
                        output,
                        "exec: timed out after " + Durations.format(timeout) + "; \"" + attempt.program()
                                + "\" was killed");
            }
            if (context.isCancelled()) {
                tree.stop(killGrace);
                drain(reader, process);
                return error(
                        output,
                        "exec: " + context.cancellationReason().orElse("cancelled") + "; \"" + attempt.program()
                                + "\" was killed");
            }
            if (!drain(reader, process)) {
                // Something it started still holds its output open: it must not outlive the attempt.
                tree.kill();
            }
            int code = process.exitValue();
            var metadata = new LinkedHashMap<String, List<String>>();
            output.describeTruncation(metadata);
            if (code == 0) {
                return new Result(Conclusion.SUCCESS, metadata, output.bytes());
            }
            metadata.put(EXIT_CODE, List.of(Integer.toString(code)));
            return new Result(Conclusion.FAIL, metadata, output.bytes());
        } finally {
            registration.close();
            if (process.isAlive()) {
                tree.kill();
            }
            // Its working directory is removed next: let what was stopped be gone first.
            awaitGone(tree.handles());
        }
    }

    private static Result error(CappedOutput output, String why) {
        var metadata = new LinkedHashMap<String, List<String>>();
        output.describeTruncation(metadata);
        var text = new String(output.bytes(), StandardCharsets.UTF_8);
        return new Result(
                Conclusion.ERROR,
                metadata,
                ((text.isEmpty() || text.endsWith("\n") ? text : text + "\n") + why).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Waits a little for the rest of the output; a grandchild holding the pipe open must not hang the
     * agent. Returns whether the output ended by itself (else it was cut off).
     */
    private static boolean drain(Thread reader, Process process) {
        try {
            if (!reader.join(DRAIN_WAIT)) {
                closeQuietly(process.getInputStream());
                reader.join(DRAIN_WAIT);
                return false;
            }
            return true;
        } catch (InterruptedException e) {
            closeQuietly(process.getInputStream());
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Waits (a bounded time, even when interrupted) until the program and the descendants stopped with it have ended. */
    private static void awaitGone(List<ProcessHandle> all) {
        long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
        boolean interrupted = Thread.interrupted();
        for (var handle : all) {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    handle.onExit().get(left, TimeUnit.NANOSECONDS);
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException | TimeoutException e) {
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing useful to do: the stream is gone either way
        }
    }

    /** Configures an {@link ExecRuntime}. */
    public static final class Builder {
        private int maxOutputBytes = DEFAULT_MAX_OUTPUT_BYTES;
        private List<String> allowed = List.of();
        private Map<String, String> source = System.getenv();
        private Path workRoot = Path.of(System.getProperty("java.io.tmpdir"));
        private Duration killGrace = Duration.ofSeconds(DEFAULT_KILL_GRACE_SECONDS);

        private Builder() {}

        /**
         * How long a program told to stop (its run cancelled, a timeout, the agent shutting down) gets
         * after SIGTERM before it and its process group get SIGKILL (default
         * {@value ExecRuntime#DEFAULT_KILL_GRACE_SECONDS}s, like {@code adagiod -exec-kill-grace}).
         */
        public Builder killGrace(Duration grace) {
            if (grace == null || grace.isNegative()) {
                throw new IllegalArgumentException("the exec kill grace must not be negative, got " + grace);
            }
            this.killGrace = grace;
            return this;
        }

        /** Keep at most this many bytes of each program's output (default 1 MiB). */
        public Builder maxOutputBytes(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxOutputBytes must not be negative: " + max);
            }
            this.maxOutputBytes = max;
            return this;
        }

        /**
         * Variables every program gets from the agent's environment (where set) on top of the base
         * ones, like {@code adagiod -exec-env-allow}.
         *
         * @throws IllegalArgumentException for a name that is not a variable name, is
         *                                  {@code ADAGIOD_*}, or is one the agent sets itself
         */
        public Builder allowEnvironment(Collection<String> names) {
            names.forEach(ExecEnvironment::checkAllowed);
            this.allowed = List.copyOf(names);
            return this;
        }

        /**
         * The environment the base and allowed variables are copied from, once, when the runtime is
         * built (default: this process's).
         */
        public Builder environmentSource(Map<String, String> environment) {
            this.source = Map.copyOf(Objects.requireNonNull(environment, "environment"));
            return this;
        }

        /**
         * Where each attempt's fresh working directory is made (default: the system's temporary
         * directory, {@code java.io.tmpdir}).
         *
         * @throws IllegalArgumentException when it is not an existing directory
         */
        public Builder workRoot(Path root) {
            if (!Files.isDirectory(root)) {
                throw new IllegalArgumentException("the exec work root " + root + " is not a directory");
            }
            this.workRoot = root.toAbsolutePath();
            return this;
        }

        public ExecRuntime build() {
            return new ExecRuntime(this);
        }
    }
}
