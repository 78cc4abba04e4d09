package io.adagio.testkit;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real {@code adagiod} process, started with this JVM's java binary and the caller's test class
 * path (which must hold adagio-daemon; the test classes and test jars are left out), or with the
 * {@code bin/adagiod} launcher as users start it ({@link Builder#launcher}), with its stdout and
 * stderr collected as they come. Plain Java: tests and the benchmark harness use it alike. Tests find
 * the API's address in its log, so {@code -listen 127.0.0.1:0} lets the operating system pick a free
 * port without a race:
 * <pre>{@code
 * try (var daemon = AdagiodProcess.start("-listen", "127.0.0.1:0")) {
 *     String baseUrl = daemon.awaitApi(Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class AdagiodProcess implements AutoCloseable {
    /** Launched by name: this module does not depend on adagio-daemon, the caller's class path holds it. */
    public static final String MAIN_CLASS = "io.adagio.daemon.Adagiod";

    /** Generous: on a busy two-core machine a cold JVM with Armeria and gRPC takes a while. */
    private static final Duration STARTUP = Duration.ofSeconds(120);

    private static final Pattern LISTENING = Pattern.compile("API listening on (https?)://([^ ]+):(\\d+)");
    private static final Pattern AGENT_STARTED = Pattern.compile("agent (\\S+) started with \\d+ workers, runtimes");

    private final Process process;
    private final List<String> command;
    private final List<String> args;
    private final StringBuffer stdout = new StringBuffer();
    private final StringBuffer stderr = new StringBuffer();
    private final Writer logFile;
    private final List<Thread> pumps = new ArrayList<>();
    private volatile String baseUrl;

    private AdagiodProcess(Process process, List<String> command, List<String> args, Writer logFile) {
        this.process = process;
        this.command = command;
        this.args = args;
        this.logFile = logFile;
        pumps.add(pump(process.getInputStream(), stdout, "stdout"));
        pumps.add(pump(process.getErrorStream(), stderr, "stderr"));
    }

    /** Starts adagiod with these arguments and nothing more; returns at once (see {@link #awaitApi}). */
    public static AdagiodProcess start(String... args) {
        return builder().args(args).start();
    }

    /** Starts adagiod with these arguments and environment variables; returns at once. */
    public static AdagiodProcess start(List<String> args, Map<String, String> env) {
        return builder().args(args).env(env).start();
    }

    /**
     * Starts adagiod as users first run it (API and agent pool, memory backend) in {@code workDir},
     * with {@code moreArgs} too, see {@link Builder#startListening()} (a TLS daemon is waited for the
     * same way; its {@link #address()} is right, its scheme is for the caller to know).
     */
    public static AdagiodProcess startListening(Path workDir, String... moreArgs) {
        return builder().workDir(workDir).args(moreArgs).startListening();
    }

    private void awaitAccepting(int port, Duration timeout) {
        try {
            Awaitility.await()
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException(
                                    "adagiod exited with " + process.exitValue() + " before listening:\n" + log());
                        }
                        try (var socket = new Socket()) {
                            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                            return true;
                        } catch (IOException notYet) {
                            return false;
                        }
                    });
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException(
                    "adagiod did not listen on 127.0.0.1:" + port + " within " + timeout + ":\n" + log());
        }
        baseUrl = "http://127.0.0.1:" + port;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What to start: arguments, environment, working directory, and a file to copy the output to. */
    public static final class Builder {
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private Path workDir;
        private Path logFile;
        private Path launcher;

        private Builder() {}

        public Builder args(String... more) {
            return args(List.of(more));
        }

        public Builder args(List<String> more) {
            args.addAll(more);
            return this;
        }

        public Builder env(Map<String, String> more) {
            env.putAll(more);
            return this;
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** The process's working directory (by default this JVM's). */
        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        /** Also writes everything the process prints to this file, to read after the tests. */
        public Builder logFile(Path file) {
            this.logFile = file;
            return this;
        }

        /**
         * Starts adagiod with this launcher ({@code bin/adagiod} of a built checkout) instead of this
         * JVM and the test class path: as users run it, with the launcher's JVM options (and
         * {@code ADAGIOD_JAVA_OPTS} if {@link #env} gives it).
         */
        public Builder launcher(Path script) {
            if (!Files.isExecutable(script)) {
                throw new IllegalStateException(script + " is missing or not executable: build Adagio first");
            }
            this.launcher = script;
            return this;
        }

        /**
         * Starts it listening on a free loopback port ({@code -listen} added to the arguments) and
         * returns once its API accepts connections; {@link #address()} says where. It waits for the
         * port, not for the log line: a test class path may make adagiod log nowhere (the CLI's has
         * slf4j-nop, which SLF4J may pick over logback).
         */
        public AdagiodProcess startListening() {
            int port = freePort();
            var daemon = args("-listen", "127.0.0.1:" + port).start();
            try {
                daemon.awaitAccepting(port, STARTUP);
                return daemon;
            } catch (RuntimeException e) {
                daemon.close();
                throw e;
            }
        }

        public AdagiodProcess start() {
            var command = new ArrayList<String>();
            if (launcher != null) {
                command.add(launcher.toString());
            } else {
                command.add(javaBinary());
                command.addAll(fastStartFlags());
                // Small: these processes live for seconds, and several run at once on small machines.
                command.add("-Xmx256m");
                command.addAll(List.of("-cp", daemonClassPath(), MAIN_CLASS));
            }
            command.addAll(args);
            var builder = new ProcessBuilder(command);
            if (workDir != null) {
                builder.directory(workDir.toFile());
            }
            // Only what the test says: no ADAGIOD_* (nor the CLI's ADAGIO_HOST) from the environment running the build.
            builder.environment().keySet().removeIf(k -> k.startsWith("ADAGIOD_") || k.equals("ADAGIO_HOST"));
            builder.environment().putAll(env);
            Writer log = null;
            try {
                if (logFile != null) {
                    Files.createDirectories(logFile.toAbsolutePath().getParent());
                    log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
                }
                return new AdagiodProcess(builder.start(), command, List.copyOf(args), log);
            } catch (IOException e) {
                closeQuietly(log);
                throw new IllegalStateException("cannot start adagiod: " + command, e);
            }
        }
    }

    /** Waits for the API's "listening" log line and returns its base URL, {@code http://HOST:PORT} (https with TLS). */
    public String awaitApi(Duration timeout) {
        awaitLog("API listening on", timeout);
        var m = LISTENING.matcher(stderr);
        if (!m.find()) {
            throw new IllegalStateException("no address in adagiod's listening line:\n" + stderr);
        }
        baseUrl = m.group(1) + "://" + m.group(2) + ":" + m.group(3);
        return baseUrl;
    }

    /**
     * Waits for an agent pool's "started" log line and returns its agent's id, as ListAgents and the
     * claims of the nodes it executes name it.
     */
    public String awaitAgentId(Duration timeout) {
        awaitLog("workers, runtimes", timeout);
        var m = AGENT_STARTED.matcher(stderr);
        if (!m.find()) {
            throw new IllegalStateException("no agent id in adagiod's \"started\" line:\n" + stderr);
        }
        return m.group(1);
    }

    /** Waits until stderr contains {@code text}; fails at once if the process exits first. */
    public void awaitLog(String text, Duration timeout) {
        try {
            Awaitility.await()
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
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

    /** {@code HOST:PORT} of the API, as {@code -host} takes it; once it is known to listen. */
    public String address() {
        var url = apiUrl();
        return url.substring(url.indexOf("://") + 3);
    }

    /** The API's port; once it is known to listen. */
    public int port() {
        var url = apiUrl();
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    }

    private String apiUrl() {
        var url = baseUrl;
        if (url == null) {
            throw new IllegalStateException("the API's address is known once it listens: call awaitApi first");
        }
        return url;
    }

    /**
     * Sends SIGTERM. Through the process handle: {@code Process.destroy()} would also close our end
     * of its stdout and stderr, losing what it logs while shutting down.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** Sends SIGKILL, as a crash would: no shutdown of any kind (our end of its output stays open). */
    public void kill() {
        process.toHandle().destroyForcibly();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, waiting up to {@code timeout}; then stdout() and stderr() hold all it wrote. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("adagiod still running after " + timeout + ":\n" + stderr);
            }
            int code = process.waitFor();
            joinPumps(Duration.ofSeconds(10));
            return code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public String stdout() {
        return stdout.toString();
    }

    public String stderr() {
        return stderr.toString();
    }

    /** Everything it printed, stdout then stderr (adagiod logs to stderr), for failure messages. */
    public String log() {
        return stdout + (stdout.isEmpty() ? "" : "\n") + stderr;
    }

    /** Stops it if it still runs: SIGTERM, then SIGKILL if it has not exited after 20 seconds. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                terminate();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    kill();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
            // Briefly: a child it left behind may hold its output open.
            joinPumps(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(logFile);
        }
    }

    @Override
    public String toString() {
        return "adagiod " + String.join(" ", args);
    }

    // ---- helpers for tests that start JVM processes of their own (the CLI's) ----

    /** The checkout's root directory: the first one above the working directory that holds mvnw. */
    public static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no mvnw above " + Path.of("").toAbsolutePath());
    }

    /** A loopback port that nothing listens on (at the time of asking). */
    public static int freePort() {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The java binary of the JVM running the tests. */
    public static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The real test class path (Surefire may run tests from a manifest-only jar, which names it elsewhere). */
    public static String testClassPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /**
     * The test class path minus test classes and test jars (a logback-test.xml in them would replace
     * adagiod's logging): what bin/adagiod runs, from target/.
     */
    public static String daemonClassPath() {
        return daemonClassPath(testClassPath());
    }

    static String daemonClassPath(String testClassPath) {
        return Arrays.stream(testClassPath.split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .filter(entry -> !isTestEntry(entry))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static boolean isTestEntry(String entry) {
        var trimmed =
                entry.endsWith("/") || entry.endsWith(File.separator) ? entry.substring(0, entry.length() - 1) : entry;
        return trimmed.endsWith("test-classes") || trimmed.endsWith("-tests.jar");
    }

    /**
     * Flags for short-lived JVMs: C1 only and the serial collector start fastest; on JDK 23+
     * protobuf's use of sun.misc.Unsafe and Netty's native loading would print warnings otherwise.
     */
    public static List<String> fastStartFlags() {
        // (The daemon chooses unpooled Netty buffers itself, however it is started.)
        var flags = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
        if (Runtime.version().feature() >= 23) {
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        if (Runtime.version().feature() >= 22) {
            flags.add("--enable-native-access=ALL-UNNAMED");
        }
        return flags;
    }

    private void joinPumps(Duration each) throws InterruptedException {
        for (var pump : pumps) {
            pump.join(each);
        }
    }

    private Thread pump(InputStream in, StringBuffer into, String name) {
        return Thread.ofPlatform().daemon().name("adagiod-" + name).start(() -> {
            try (var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    into.append(line).append('\n');
                    copyToLogFile(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
    }

    private void copyToLogFile(String line) {
        if (logFile == null) {
            return;
        }
        synchronized (logFile) {
            try {
                logFile.write(line);
                logFile.write('\n');
                logFile.flush();
            } catch (IOException e) {
                // the file is closed: the in-memory copy still has it
            }
        }
    }

    private static void closeQuietly(Writer writer) {
        if (writer == null) {
            return;
        }
        synchronized (writer) {
            try {
                writer.close();
            } catch (IOException e) {
                // nothing more to write
            }
        }
    }
}
