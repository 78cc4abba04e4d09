package io.adagio.bench.peer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A local Netflix Conductor: a {@code redis-server} and the Conductor server boot jar, both child
 * processes on free loopback ports, ended by pid on {@link #close()}. {@link #settings()} is what the
 * report prints beside the figures.
 */
final class ConductorServer implements AutoCloseable {
    private static final Duration REDIS_START = Duration.ofSeconds(30);
    private static final Duration CONDUCTOR_START = Duration.ofMinutes(5);

    private final Path dir;
    private Process redis;
    private Process conductor;
    private int port;
    /** Whether both processes came up: then their logs go with them; otherwise they stay, named in the note. */
    private boolean started;

    private final Map<String, String> settings = new LinkedHashMap<>();

    private ConductorServer(Path dir) {
        this.dir = dir;
    }

    /**
     * Starts Redis and Conductor; throws {@link PeerUnavailableException} naming what failed. The
     * Conductor JVM is {@code $ADAGIO_PEER_JAVA}, else a JDK 17 under /usr/lib/jvm, else this one.
     */
    static ConductorServer start(Path jar, Consumer<String> progress) throws PeerUnavailableException {
        var redisBinary = PeerProcesses.onPath("redis-server")
                .orElseThrow(() -> new PeerUnavailableException(
                        "redis-server was not found on the PATH (install the redis-server package)"));
        ConductorServer server = null;
        try {
            server = new ConductorServer(Files.createTempDirectory("adagio-bench-peer"));
            server.startRedis(redisBinary, progress);
            server.startConductor(jar, progress);
            server.started = true;
            return server;
        } catch (IOException e) {
            if (server != null) {
                server.close();
            }
            throw new PeerUnavailableException("could not start the peer: " + e.getMessage());
        } catch (PeerUnavailableException | RuntimeException e) {
            if (server != null) {
                server.close();
            }
            throw e;
        }
    }

    private void startRedis(Path binary, Consumer<String> progress) throws IOException, PeerUnavailableException {
        int redisPort = PeerProcesses.freePort();
        var log = dir.resolve("redis.log");
        redis = PeerProcesses.start(
                List.of(
                        binary.toString(),
                        "--port",
                        Integer.toString(redisPort),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        dir.toString()),
                log);
        long deadline = System.nanoTime() + REDIS_START.toNanos();
        while (!PeerProcesses.redisAnswers(redisPort)) {
            if (!redis.isAlive() || System.nanoTime() > deadline) {
                throw new PeerUnavailableException("redis-server did not answer on port " + redisPort + " (log " + log
                        + "):\n" + PeerProcesses.tail(log, 10));
            }
            pause(100);
        }
        settings.put("redis", "redis-server " + version(binary) + ", port " + redisPort + ", no persistence");
        settings.put("conductor.redis.hosts", "127.0.0.1:" + redisPort + ":us-east-1c");
        progress.accept("peer: redis-server on port " + redisPort + " (pid " + redis.pid() + ")");
    }

    private void startConductor(Path jar, Consumer<String> progress) throws IOException, PeerUnavailableException {
        port = PeerProcesses.freePort();
        settings.put("server.port", Integer.toString(port));
        settings.put("conductor.db.type", "redis_standalone");
        settings.put("conductor.queue.type", "redis_standalone");
        settings.put("conductor.indexing.enabled", "false");
        settings.put("conductor.app.stack", "adagiobench");
        var java = conductorJava();
        var command = new ArrayList<>(List.of(java.toString(), "-Xms512m", "-Xmx1g", "-jar", jar.toString()));
        for (var e : settings.entrySet()) {
            if (!e.getKey().equals("redis")) {
                command.add("--" + e.getKey() + "=" + e.getValue());
            }
        }
        settings.put(
                "conductor",
                "conductor-server " + ConductorJar.VERSION + " boot jar, " + java + " " + version(java)
                        + ", -Xms512m -Xmx1g, every other setting its default");
        var log = dir.resolve("conductor.log");
        long started = System.nanoTime();
        conductor = PeerProcesses.start(command, log);
        progress.accept("peer: starting Conductor on port " + port + " (pid " + conductor.pid() + "), log " + log);
        var http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        long deadline = started + CONDUCTOR_START.toNanos();
        while (!healthy(http)) {
            if (!conductor.isAlive()) {
                throw new PeerUnavailableException("Conductor exited while starting (status " + conductor.exitValue()
                        + "):\n" + PeerProcesses.tail(log, 15));
            }
            if (System.nanoTime() > deadline) {
                throw new PeerUnavailableException("Conductor was not healthy within " + CONDUCTOR_START.toMinutes()
                        + " minutes:\n" + PeerProcesses.tail(log, 15));
            }
            pause(1000);
        }
        progress.accept(String.format("peer: Conductor healthy after %.0f s", (System.nanoTime() - started) / 1e9));
    }

    private boolean healthy(HttpClient http) {
        try {
            var response = http.send(
                    HttpRequest.newBuilder(URI.create(baseUrl() + "/health"))
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"healthy\":true");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path conductorJava() {
        var override = System.getenv("ADAGIO_PEER_JAVA");
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        for (var candidate : List.of(
                "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
                "/usr/lib/jvm/java-17-openjdk-arm64/bin/java",
                "/usr/lib/jvm/temurin-17-jdk-amd64/bin/java")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    private static String version(Path binary) {
        try {
            var p = new ProcessBuilder(binary.toString(), "--version")
                    .redirectErrorStream(true)
                    .start();
            var text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            var first = text.lines().findFirst().orElse("").strip();
            return first.isEmpty() ? "(version unknown)" : "(" + first + ")";
        } catch (IOException e) {
            return "(version unknown)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(version unknown)";
        }
    }

    private static void pause(long millis) throws PeerUnavailableException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeerUnavailableException("interrupted while starting the peer");
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** What was started and how, in order. */
    Map<String, String> settings() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    @Override
    public void close() {
        PeerProcesses.end(conductor);
        PeerProcesses.end(redis);
        if (started) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            } catch (IOException | java.io.UncheckedIOException e) {
                // A temporary directory left behind is not worth failing the bench for.
            }
        }
    }
}
