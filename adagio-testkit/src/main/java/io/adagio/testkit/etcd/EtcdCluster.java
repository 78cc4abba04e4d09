package io.adagio.testkit.etcd;

import io.adagio.testkit.AdagiodProcess;
import io.adagio.testkit.tls.TestCertificates;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Real etcd servers for tests: the {@code etcd} binary from the operating system's packages
 * ({@code etcd-server} on Debian), started on free loopback ports in a temporary directory, one member
 * or a cluster of several. Members can be stopped and started again (with their data) to test
 * failover, and the current leader can be found.
 *
 * <p>The binary is looked up in {@code $ADAGIO_ETCD_BINARY}, then on the {@code PATH}. Plain Java:
 * the benchmark harness starts its etcd with it too; {@link EtcdExtension} runs one for a test class.
 *
 * <p>{@link #builder()} starts secured members: TLS on the client port with certificates made at
 * start by a throw-away CA, client-certificate authentication, and etcd's authentication with
 * users limited to a namespace:
 * <pre>{@code
 * try (var etcd = EtcdCluster.builder().clientCertificateAuth().user("adagio", "pw", "ns").start()) {
 *     etcd.clientUrl(0);            // https://127.0.0.1:PORT
 *     etcd.caFile();                // the CA that signed the server certificate
 *     etcd.clientCertificate();     // a client certificate (and key) that CA issued
 * }
 * }</pre>
 */
public final class EtcdCluster implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path binary;
    private final Path dir;
    private final List<Member> members;
    private final List<String> extraFlags;
    private final String token = "adagio-test-" + UUID.randomUUID();
    private final String rootPassword = "root-" + UUID.randomUUID();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final Builder options;
    private final EtcdTls tls;

    private EtcdCluster(Path binary, Path dir, int size, Builder options) {
        this.binary = binary;
        this.dir = dir;
        this.options = options;
        this.extraFlags = List.copyOf(options.extraFlags);
        this.tls = options.tls ? EtcdTls.create(dir.resolve("tls"), options.clientCertificateAuth) : null;
        var list = new ArrayList<Member>();
        for (int i = 0; i < size; i++) {
            var m = new Member(i, "m" + i, AdagiodProcess.freePort(), AdagiodProcess.freePort(), dir.resolve("m" + i));
            if (tls != null) {
                // The client port wants TLS (and maybe a certificate): health and metrics get a plain one.
                m.clientScheme = "https";
                m.metricsPort = AdagiodProcess.freePort();
            }
            list.add(m);
        }
        this.members = List.copyOf(list);
    }

    /** Options for secured members: TLS, client certificates, users. */
    public static Builder builder() {
        return new Builder();
    }

    /** What to start; {@link #start()} or {@link #startOrSkip()} it. */
    public static final class Builder {
        private int members = 1;
        private boolean tls;
        private boolean clientCertificateAuth;
        private final List<EtcdAuth.User> users = new ArrayList<>();
        private final List<String> extraFlags = new ArrayList<>();

        private Builder() {}

        /** More etcd flags for every member (compaction, quota, ...). */
        public Builder extraFlags(List<String> flags) {
            extraFlags.addAll(flags);
            return this;
        }

        /** How many members (default 1). */
        public Builder members(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("an etcd cluster has at least one member, not " + count);
            }
            this.members = count;
            return this;
        }

        /**
         * TLS on the client port ({@code https://} client URLs), with a server certificate for
         * localhost, 127.0.0.1 and ::1 signed by a CA made at start ({@link #caFile()}).
         */
        public Builder tls() {
            this.tls = true;
            return this;
        }

        /**
         * TLS, and clients must present a certificate that CA signed ({@code --client-cert-auth});
         * {@link #clientCertificate()} is one.
         */
        public Builder clientCertificateAuth() {
            this.tls = true;
            this.clientCertificateAuth = true;
            return this;
        }

        /**
         * Enables etcd's authentication with a user that may read and write the keys under
         * {@code <namespace>/} only, as an operator would set one up for an Adagio installation.
         * The root user's password is {@link #rootPassword()}.
         */
        public Builder user(String name, String password, String namespace) {
            users.add(new EtcdAuth.User(name, password, namespace));
            return this;
        }

        public EtcdCluster start() {
            return EtcdCluster.start(this);
        }

        /** Like {@link EtcdCluster#startOrSkip(int)}: skipped without the binary, except under CI. */
        public EtcdCluster startOrSkip() {
            requireBinaryOrSkip();
            return start();
        }
    }

    /** The etcd binary, if one can be found. */
    public static Optional<Path> findBinary() {
        var configured = System.getenv("ADAGIO_ETCD_BINARY");
        if (configured != null && !configured.isBlank()) {
            var p = Path.of(configured);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        var path = System.getenv().getOrDefault("PATH", "");
        var dirs = new ArrayList<String>(List.of(path.split(java.io.File.pathSeparator)));
        dirs.addAll(List.of("/usr/bin", "/usr/local/bin", "/usr/sbin"));
        for (var d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            var p = Path.of(d, "etcd");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Starts {@code size} members, or, without the etcd binary, aborts the test (it is skipped)
     * with a message saying how to install it; except under CI ({@code CI=true}), where a missing
     * binary fails it: CI must never pass by skipping.
     */
    public static EtcdCluster startOrSkip(int size) {
        requireBinaryOrSkip();
        return start(size);
    }

    private static void requireBinaryOrSkip() {
        if (findBinary().isEmpty()) {
            var message = "the etcd binary was not found: install the etcd-server package "
                    + "(apt-get install etcd-server) or set ADAGIO_ETCD_BINARY";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(message + " (CI=true: etcd tests must run, not be skipped)");
            }
            throw EtcdExtension.skipped(message);
        }
    }

    /** Starts {@code size} members and waits until every one reports healthy. */
    public static EtcdCluster start(int size) {
        return start(new Builder().members(size));
    }

    /**
     * Starts {@code size} members, each with these etcd flags too (the benchmark's compaction and
     * quota, say), and waits until every one reports healthy.
     */
    public static EtcdCluster start(int size, List<String> extraFlags) {
        return start(new Builder().members(size).extraFlags(extraFlags));
    }

    private static EtcdCluster start(Builder options) {
        var binary = findBinary()
                .orElseThrow(() -> new IllegalStateException(
                        "the etcd binary was not found (install the etcd-server package or set ADAGIO_ETCD_BINARY)"));
        try {
            var cluster = new EtcdCluster(binary, Files.createTempDirectory("adagio-etcd-"), options.members, options);
            try {
                for (var m : cluster.members) {
                    cluster.launch(m, true);
                }
                for (var m : cluster.members) {
                    cluster.awaitHealthy(m);
                }
                if (!options.users.isEmpty()) {
                    EtcdAuth.enable(cluster.clientUrl(0), cluster.tls, options.users, cluster.rootPassword);
                }
                return cluster;
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int size() {
        return members.size();
    }

    /** {@code http://127.0.0.1:PORT} of every member ({@code https://} with TLS). */
    public List<String> clientUrls() {
        return members.stream().map(Member::clientUrl).toList();
    }

    /** The client URLs comma-separated, as {@code -etcd-addresses} takes them. */
    public String clientUrlsCsv() {
        return String.join(",", clientUrls());
    }

    public String clientUrl(int member) {
        return members.get(member).clientUrl();
    }

    /** The PEM file of the CA that signed the members' server certificates; only with TLS. */
    public Path caFile() {
        return requireTls().authority().certificateFile();
    }

    /** A client certificate (CN=adagio-client) and its key, signed by {@link #caFile()}'s CA; only with TLS. */
    public TestCertificates.Issued clientCertificate() {
        return requireTls().client();
    }

    /** The CA behind {@link #caFile()}, to issue more certificates; only with TLS. */
    public TestCertificates certificateAuthority() {
        return requireTls().authority();
    }

    /** The password of etcd's {@code root} user; only with {@link Builder#user users} (authentication enabled). */
    public String rootPassword() {
        if (options.users.isEmpty()) {
            throw new IllegalStateException("this etcd has no authentication: start it with builder().user(...)");
        }
        return rootPassword;
    }

    private EtcdTls requireTls() {
        if (tls == null) {
            throw new IllegalStateException("this etcd serves no TLS: start it with builder().tls()");
        }
        return tls;
    }

    public boolean isRunning(int member) {
        var p = members.get(member).process;
        return p != null && p.isAlive();
    }

    /** Stops one member (SIGTERM, then SIGKILL if it lingers), keeping its data. */
    public void stop(int member) {
        var m = members.get(member);
        var p = m.process;
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        m.process = null;
    }

    /** Kills one member with SIGKILL. */
    public void kill(int member) {
        var m = members.get(member);
        if (m.process != null) {
            m.process.destroyForcibly();
            try {
                m.process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            m.process = null;
        }
    }

    /**
     * Freezes one member with SIGSTOP, sent to its own pid: it keeps its connections open and answers
     * nothing, as a member stalled by its disk or a long pause would, until {@link #resume}.
     */
    public void pause(int member) {
        signal(member, "STOP");
    }

    /** Lets a {@link #pause paused} member go on (SIGCONT to its pid). */
    public void resume(int member) {
        signal(member, "CONT");
    }

    /** The pid of a running member's process. */
    public long pid(int member) {
        var p = members.get(member).process;
        if (p == null) {
            throw new IllegalStateException("etcd member " + member + " is not running");
        }
        return p.pid();
    }

    private void signal(int member, String signal) {
        try {
            var kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid(member)))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid(member) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts a stopped member again with its data and waits until it is healthy. */
    public void restart(int member) {
        var m = members.get(member);
        if (m.process != null) {
            return;
        }
        launch(m, false);
        awaitHealthy(m);
    }

    /** The index of the member that is leader now, asked of the running members. */
    public int leader() {
        var deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (var m : members) {
                if (m.process == null) {
                    continue;
                }
                // etcd's metrics say whether this member is the leader right now.
                try {
                    var body = http.send(
                                    HttpRequest.newBuilder(URI.create(m.monitorUrl() + "/metrics"))
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
                    if (body.lines().anyMatch(l -> l.equals("etcd_server_is_leader 1"))) {
                        return m.index;
                    }
                } catch (IOException e) {
                    // not answering yet; ask the others
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            pause();
        }
        throw new IllegalStateException("no etcd member is leader after " + START_TIMEOUT);
    }

    /** The log of one member, for failure messages. */
    public String log(int member) {
        try {
            return Files.readString(members.get(member).logFile());
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < members.size(); i++) {
            kill(i);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }

    private void launch(Member m, boolean fresh) {
        var initialCluster =
                members.stream().map(x -> x.name + "=" + x.peerUrl()).collect(Collectors.joining(","));
        var cmd = new ArrayList<>(List.of(
                binary.toString(),
                "--name",
                m.name,
                "--data-dir",
                m.dataDir.toString(),
                "--listen-client-urls",
                m.clientUrl(),
                "--advertise-client-urls",
                m.clientUrl(),
                "--listen-peer-urls",
                m.peerUrl(),
                "--initial-advertise-peer-urls",
                m.peerUrl(),
                "--initial-cluster",
                initialCluster,
                "--initial-cluster-token",
                token,
                "--initial-cluster-state",
                fresh ? "new" : "existing"));
        cmd.addAll(extraFlags);
        if (tls != null) {
            cmd.addAll(tls.serverFlags());
            cmd.addAll(List.of("--listen-metrics-urls", m.monitorUrl()));
        }
        try {
            Files.createDirectories(m.dataDir.getParent());
            m.process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(m.logFile().toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
    }

    private void awaitHealthy(Member m) {
        var deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (m.process == null || !m.process.isAlive()) {
                throw new IllegalStateException("etcd member " + m.name + " exited during start:\n" + log(m.index));
            }
            try {
                var response = http.send(
                        HttpRequest.newBuilder(URI.create(m.monitorUrl() + "/health"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"health\":\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            pause();
        }
        throw new IllegalStateException(
                "etcd member " + m.name + " not healthy after " + START_TIMEOUT + ":\n" + log(m.index));
    }

    private static void pause() {
        try {
            // Polling an external process for readiness: there is nothing to wait on but time.
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static final class Member {
        final int index;
        final String name;
        final int clientPort;
        final int peerPort;
        final Path dataDir;
        volatile Process process;
        String clientScheme = "http";
        /** A plain port for /health and /metrics when the client port wants TLS; 0 when there is none. */
        int metricsPort;

        Member(int index, String name, int clientPort, int peerPort, Path dataDir) {
            this.index = index;
            this.name = name;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
            this.dataDir = dataDir;
        }

        String clientUrl() {
            return clientScheme + "://127.0.0.1:" + clientPort;
        }

        /** Where /health and /metrics are served without TLS. */
        String monitorUrl() {
            return metricsPort == 0 ? clientUrl() : "http://127.0.0.1:" + metricsPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }

        Path logFile() {
            return dataDir.resolveSibling(name + ".log");
        }
    }
}
