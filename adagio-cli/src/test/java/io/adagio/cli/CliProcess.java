package io.adagio.cli;

import io.adagio.testkit.AdagiodProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code adagio} as its own JVM process, the way a user's shell does. */
final class CliProcess {
    private static final long TIMEOUT_SECONDS = 120;

    record Result(int exitCode, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    private final Path dir;

    CliProcess(Path dir) {
        this.dir = dir;
    }

    Result run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), null, args);
    }

    Result runWithInput(String stdin, String... args) throws IOException, InterruptedException {
        return run(Map.of(), stdin, args);
    }

    /** Runs with these environment variables added (ADAGIO_HOST is unset unless given) and this standard input. */
    Result run(Map<String, String> env, String stdin, String... args) throws IOException, InterruptedException {
        var command = new ArrayList<String>();
        command.add(AdagiodProcess.javaBinary());
        command.addAll(AdagiodProcess.fastStartFlags());
        command.addAll(List.of("-cp", AdagiodProcess.testClassPath(), "io.adagio.cli.Main"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        var builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().remove("ADAGIO_HOST");
        builder.environment().remove("ADAGIO_TOKEN");
        builder.environment().putAll(env);
        Process process = builder.start();
        try (var in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(
                    "adagio " + String.join(" ", args) + " did not exit within " + TIMEOUT_SECONDS + " s");
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }
}
