package io.adagio.agent.runtime.exec;

import io.adagio.agent.runtime.Argument;
import io.adagio.agent.runtime.Arguments;
import io.adagio.agent.runtime.Durations;
import io.adagio.agent.runtime.ExecutionContext;
import io.adagio.agent.runtime.NodeFunction;
import io.adagio.agent.runtime.Runtime;
import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Result;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code exec}: runs a program directly (no shell) and records what it printed.
 *
 * <ul>
 *   <li>{@code command} (required): the program, found on the agent's {@code PATH} unless a path;</li>
 *   <li>{@code args}: its arguments, one per value;</li>
 *   <li>{@code dir}: the working directory (default: the agent's);</li>
 *   <li>{@code timeout}: kill the program after this long (a duration; default none).</li>
 * </ul>
 *
 * <p>Standard output and standard error are captured together as the result's output, up to a cap
 * (default 1 MiB) beyond which the output is cut and a marker line says so. Exit code 0 is
 * {@code SUCCESS}; any other is {@code FAIL} with the code in result metadata {@code exit_code}; a
 * program that cannot start, times out or is killed because the agent stops is {@code ERROR}. The
 * program's descendants are killed with it.
 */
public final class ExecRuntime implements Runtime {
    public static final String NAME = "exec";
    public static final int DEFAULT_MAX_OUTPUT_BYTES = 1 << 20;
    /** Result metadata key: the program's exit code, on FAIL. */
    public static final String EXIT_CODE = "exit_code";
    /** Result metadata key: how many bytes of output were dropped, when some were. */
    public static final String OUTPUT_TRUNCATED = "output_truncated";

    public static final Argument<String> COMMAND =
            Argument.string("command").required().describedAs("the program to run");
    public static final Argument<List<String>> ARGS = Argument.strings("args").describedAs("its arguments");
    public static final Argument<String> DIR = Argument.string("dir").describedAs("working directory");
    public static final Argument<Duration> TIMEOUT = Argument.duration("timeout")
            .withDefault(Duration.ZERO)
            .describedAs("kill the program after this long (0: never)");

    /** How long to wait for the output pipe to drain once the program ended (a leftover grandchild may hold it open). */
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(2);

    private final int maxOutputBytes;

    public ExecRuntime() {
        this(DEFAULT_MAX_OUTPUT_BYTES);
    }

    /** An exec runtime keeping at most {@code maxOutputBytes} of each program's output. */
    public ExecRuntime(int maxOutputBytes) {
        if (maxOutputBytes < 0) {
            throw new IllegalArgumentException("maxOutputBytes must not be negative: " + maxOutputBytes);
        }
        this.maxOutputBytes = maxOutputBytes;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Argument<?>> arguments() {
        return List.of(COMMAND, ARGS, DIR, TIMEOUT);
    }

    @Override
    public NodeFunction create(Arguments args) {
        var command = args.get(COMMAND);
        if (command.isBlank()) {
            throw args.invalid(COMMAND, "must not be empty");
        }
        var commandLine = new ArrayList<String>();
        commandLine.add(command);
        commandLine.addAll(args.get(ARGS));
        var timeout = args.get(TIMEOUT);
        if (timeout.isNegative()) {
            throw args.invalid(TIMEOUT, "must not be negative, got " + Durations.format(timeout));
        }
        File dir = null;
        if (args.get(DIR) != null && !args.get(DIR).isEmpty()) {
            dir = new File(args.get(DIR));
            if (!dir.isDirectory()) {
                throw args.invalid(DIR, "\"" + dir + "\" is not a directory");
            }
        }
        var workingDir = dir;
        return context -> run(context, List.copyOf(commandLine), workingDir, timeout);
    }

    private Result run(ExecutionContext context, List<String> commandLine, File dir, Duration timeout) {
        var builder = new ProcessBuilder(commandLine).redirectErrorStream(true);
        if (dir != null) {
            builder.directory(dir);
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return Result.error("exec: cannot start \"" + commandLine.getFirst() + "\": " + e.getMessage());
        }
        var output = new CappedOutput(maxOutputBytes);
        var reader = Thread.ofVirtual()
                .name("exec-output-" + process.pid())
                .start(() -> output.readAll(process.getInputStream()));
        var registration = context.onCancel(() -> killTree(process));
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
                killTree(process);
                drain(reader, process);
                Thread.currentThread().interrupt();
                return error(
                        output,
                        "exec: interrupted (" + context.cancellationReason().orElse("agent stopping") + "); \""
                                + commandLine.getFirst() + "\" was killed");
            }
            if (!exited) {
                killTree(process);
                drain(reader, process);
                return error(
                        output,
                        "exec: timed out after " + Durations.format(timeout) + "; \"" + commandLine.getFirst()
                                + "\" was killed");
            }
            drain(reader, process);
            if (context.isCancelled()) {
                return error(
                        output,
                        "exec: " + context.cancellationReason().orElse("cancelled") + "; \"" + commandLine.getFirst()
                                + "\" was killed");
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
                killTree(process);
            }
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

    /** Waits a little for the rest of the output; a grandchild holding the pipe open must not hang the agent. */
    private static void drain(Thread reader, Process process) {
        try {
            if (!reader.join(DRAIN_WAIT)) {
                closeQuietly(process.getInputStream());
                reader.join(DRAIN_WAIT);
            }
        } catch (InterruptedException e) {
            closeQuietly(process.getInputStream());
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the program and everything it started (descendants are listed first: once the parent dies they are re-parented and lost). */
    static void killTree(Process process) {
        var descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing useful to do: the stream is gone either way
        }
    }

    /** The first {@code max} bytes of a stream, counting (and dropping) the rest so the program never blocks on a full pipe. */
    static final class CappedOutput {
        private final int max;
        private byte[] kept;
        private int size;
        private long dropped;

        CappedOutput(int max) {
            this.max = max;
            this.kept = new byte[Math.min(max, 64 * 1024)];
        }

        void readAll(InputStream in) {
            var chunk = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(chunk)) >= 0) {
                    append(chunk, n);
                }
            } catch (IOException e) {
                // The stream was closed under us (see drain): keep what was read.
            }
        }

        private synchronized void append(byte[] chunk, int n) {
            int room = max - size;
            int take = Math.min(room, n);
            if (take > 0) {
                if (size + take > kept.length) {
                    var grown = new byte[(int) Math.min(max, Math.max((long) kept.length * 2, size + take))];
                    System.arraycopy(kept, 0, grown, 0, size);
                    kept = grown;
                }
                System.arraycopy(chunk, 0, kept, size, take);
                size += take;
            }
            dropped += n - take;
        }

        synchronized byte[] bytes() {
            var out = new byte[size];
            System.arraycopy(kept, 0, out, 0, size);
            if (dropped == 0) {
                return out;
            }
            var marker = ("\n[output truncated: kept the first " + size + " bytes, dropped " + dropped + "]\n")
                    .getBytes(StandardCharsets.UTF_8);
            var all = new byte[out.length + marker.length];
            System.arraycopy(out, 0, all, 0, out.length);
            System.arraycopy(marker, 0, all, out.length, marker.length);
            return all;
        }

        synchronized void describeTruncation(Map<String, List<String>> metadata) {
            if (dropped > 0) {
                metadata.put(OUTPUT_TRUNCATED, List.of(Long.toString(dropped)));
            }
        }
    }
}
