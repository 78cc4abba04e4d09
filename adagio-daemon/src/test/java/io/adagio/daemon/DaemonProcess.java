package io.adagio.daemon;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real adagiod process, started with this JVM's java binary and class path (without the test
 * classes), with its stdout and stderr collected. Tests find the API's port in its log, since it is
 * started with {@code -listen 127.0.0.1:0} unless told otherwise.
 */
final class DaemonProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("API listening on http://([^ ]+):(\\d+)");

    private final Process process;
    private final StringBuffer stdout = new StringBuffer();
    private final StringBuffer stderr = new StringBuffer();
    private final List<String> command;
    private final List<Thread> pumps = new ArrayList<>();

    private DaemonProcess(Process process, List<String> command) {
        this.process = process;
        this.command = command;
        pumps.add(pump(process.getInputStream(), stdout, "stdout"));
        pumps.add(pump(process.getErrorStream(), stderr, "stderr"));
    }

    static DaemonProcess start(List<String> args, Map<String, String> env) {
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Small and quick to start: these processes live for seconds.
        command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", daemonClassPath(), Adagiod.class.getName()));
        command.addAll(args);
        var builder = new ProcessBuilder(command);
        // Only what the test says: no ADAGIOD_* from the environment running the build.
        builder.environment().keySet().removeIf(k -> k.startsWith("ADAGIOD_"));
        builder.environment().putAll(env);
        try {
            return new DaemonProcess(builder.start(), command);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start adagiod: " + command, e);
        }
    }

    static DaemonProcess start(String... args) {
        return start(List.of(args), Map.of());
    }

    /**
     * The class path of the tests minus test classes and test jars (their logback-test.xml would
     * replace adagiod's logging): what bin/adagiod runs, from target/.
     */
    static String daemonClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.endsWith("test-classes") && !entry.endsWith("-tests.jar"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** Waits for the API's "listening" log line and returns its base URL. */
    String awaitApi(Duration timeout) {
        awaitLog("API listening on", timeout);
        var m = LISTENING.matcher(stderr);
        if (!m.find()) {
            throw new IllegalStateException("no address in adagiod's listening line:\n" + stderr);
        }
        return "http://" + m.group(1) + ":" + m.group(2);
    }

    /** Waits until stderr contains {@code text}. */
    void awaitLog(String text, Duration timeout) {
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (stderr.indexOf(text) >= 0) {
                    return true;
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException("adagiod exited with " + process.exitValue()
                            + " before logging \"" + text + "\":\n" + stderr);
                }
                return false;
            });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("adagiod did not log \"" + text + "\" within " + timeout + ":\n" + stderr);
        }
    }

    int port(String baseUrl) {
        return Integer.parseInt(baseUrl.substring(baseUrl.lastIndexOf(':') + 1));
    }

    /**
     * Sends SIGTERM. Through the process handle: {@code Process.destroy()} would also close our end
     * of its stdout and stderr, losing what it logs while shutting down.
     */
    void terminate() {
        process.toHandle().destroy();
    }

    /** Sends SIGKILL, as a crash would: no shutdown of any kind (our end of its output stays open). */
    void kill() {
        process.toHandle().destroyForcibly();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, waiting up to {@code timeout}. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("adagiod still running after " + timeout + ":\n" + stderr);
            }
            int code = process.waitFor();
            for (var pump : pumps) {
                pump.join(Duration.ofSeconds(10)); // so that stdout() and stderr() hold everything it wrote
            }
            return code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    String stdout() {
        return stdout.toString();
    }

    String stderr() {
        return stderr.toString();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "adagiod " + String.join(" ", command.subList(command.indexOf(Adagiod.class.getName()) + 1, command.size()));
    }

    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath());
    }

    private static Thread pump(InputStream in, StringBuffer into, String name) {
        return Thread.ofPlatform().daemon().name("adagiod-" + name).start(() -> {
            try (var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    into.append(line).append('\n');
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
    }
}
