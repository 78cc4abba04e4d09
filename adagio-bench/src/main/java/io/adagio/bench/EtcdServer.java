package io.adagio.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * An etcd of the benchmark's own: the {@code etcd} binary ({@code $ADAGIO_ETCD_BINARY}, else the
 * {@code PATH}, as the OS package {@code etcd-server} installs it), one member on free loopback
 * ports with its data in a temporary directory on disk, removed on close.
 */
final class EtcdServer implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final String clientUrl;

    private EtcdServer(Process process, Path dir, String clientUrl) {
        this.process = process;
        this.dir = dir;
        this.clientUrl = clientUrl;
    }

    static EtcdServer start() throws IOException, InterruptedException {
        var binary = findBinary();
        var dir = Files.createTempDirectory("adagio-bench-etcd-");
        int clientPort = freePort();
        int peerPort = freePort();
        var clientUrl = "http://127.0.0.1:" + clientPort;
        var peerUrl = "http://127.0.0.1:" + peerPort;
        var cmd = new ArrayList<>(List.of(
                binary,
                "--name",
                "bench",
                "--data-dir",
                dir.resolve("data").toString(),
                "--listen-client-urls",
                clientUrl,
                "--advertise-client-urls",
                clientUrl,
                "--listen-peer-urls",
                peerUrl,
                "--initial-advertise-peer-urls",
                peerUrl,
                "--initial-cluster",
                "bench=" + peerUrl,
                // The benchmarks write a lot of history; keep only the recent part of it.
                "--auto-compaction-mode",
                "revision",
                "--auto-compaction-retention",
                "10000",
                "--quota-backend-bytes",
                Long.toString(8L << 30)));
        var process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("etcd.log").toFile())
                .start();
        var server = new EtcdServer(process, dir, clientUrl);
        try {
            server.awaitHealthy();
        } catch (RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    String clientUrl() {
        return clientUrl;
    }

    private static String findBinary() {
        var configured = System.getenv("ADAGIO_ETCD_BINARY");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        var dirs =
                new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)));
        dirs.addAll(List.of("/usr/bin", "/usr/local/bin"));
        for (var d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "etcd"))) {
                return Path.of(d, "etcd").toString();
            }
        }
        throw new IllegalStateException("the etcd binary was not found: install the etcd-server package, "
                + "set ADAGIO_ETCD_BINARY, or give -etcd-addresses of a running etcd");
    }

    private void awaitHealthy() throws InterruptedException {
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited during start:\n" + log());
            }
            try {
                var r = http.send(
                        HttpRequest.newBuilder(URI.create(clientUrl + "/health"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"health\":\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            // An outside process: nothing to wait on but time.
            Thread.sleep(50);
        }
        throw new IllegalStateException("etcd not healthy after 30s:\n" + log());
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("etcd.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static int freePort() {
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
