package io.adagio.client.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code adagiod} process (API and agent pool, memory backend) on a free loopback port,
 * started from the test classpath, which holds adagio-daemon and its dependencies.
 */
public final class AdagiodProcess implements AutoCloseable {
    private static final Duration STARTUP = Duration.ofSeconds(90);

    private final Process process;
    private final int port;
    private final Path log;

    private AdagiodProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts adagiod and returns once it accepts connections. */
    public static AdagiodProcess start(Path workDir) throws IOException, InterruptedException {
        int port = freePort();
        Path log = workDir.resolve("adagiod-" + port + ".log");
        var command = new ArrayList<String>();
        command.add(javaBinary());
        command.addAll(fastStartFlags());
        command.addAll(List.of("-cp", testClasspath(), "io.adagio.daemon.Adagiod", "-listen", "127.0.0.1:" + port));
        var builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("ADAGIOD_") || k.equals("ADAGIO_HOST"));
        var daemon = new AdagiodProcess(builder.start(), port, log);
        daemon.awaitListening();
        return daemon;
    }

    /** {@code 127.0.0.1:PORT}, as {@code -host} takes it. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void awaitListening() throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("adagiod exited with " + process.exitValue() + " before listening:\n" + log());
            }
            try (var socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                // Not listening yet: wait on the process (not a sleep) so that an early exit is seen at once.
                process.waitFor(100, TimeUnit.MILLISECONDS);
            }
        }
        close();
        throw new IllegalStateException("adagiod did not listen on " + address() + " within " + STARTUP + ":\n" + log());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    // ---- helpers shared with the CLI's process tests ----

    /** A loopback port that nothing listens on (at the time of asking). */
    public static int freePort() {
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
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

    /** The real test classpath (Surefire runs tests from a manifest-only jar, which names it elsewhere). */
    public static String testClasspath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /**
     * Flags for short-lived JVMs: C1 only and the serial collector start fastest; on JDK 23+
     * protobuf's use of sun.misc.Unsafe and Netty's native loading would print warnings otherwise.
     */
    public static List<String> fastStartFlags() {
        var flags = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"));
        if (Runtime.version().feature() >= 23) {
            flags.add("--sun-misc-unsafe-memory-access=allow");
        }
        if (Runtime.version().feature() >= 22) {
            flags.add("--enable-native-access=ALL-UNNAMED");
        }
        return flags;
    }
}
