package io.adagio.daemon;

import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.EtcdSettings;
import io.grpc.Status;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * A quick look at each etcd endpoint before adagiod relies on it, because the etcd client says
 * nothing useful when it cannot connect: it retries until a request times out and keeps no trace of
 * why. Each address is resolved, connected to and asked for {@code /version} (over TLS with the same
 * CA, certificate and key as the client) within {@value #PROBE_SECONDS} seconds, all in parallel, and
 * the answer says which endpoint failed and why: passing trouble (unknown host, connection refused,
 * no answer), which waiting can cure, apart from a misconfiguration (TLS on one side only, an
 * untrusted certificate, a refused client certificate), which it cannot.
 */
final class EtcdStartupCheck {
    static final int PROBE_SECONDS = 2;
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(PROBE_SECONDS);
    private static final int DEFAULT_PORT = 2379;

    private EtcdStartupCheck() {}

    /** What one endpoint answered. */
    sealed interface Finding {
        String address();
    }

    /** It answers as etcd does. */
    record Answers(String address) implements Finding {}

    /** Not reachable now; may be later (etcd starting, DNS catching up, the network back). */
    record Unreachable(String address, String cause) implements Finding {}

    /** Reachable, and can never work with these settings: the message says what to change. */
    record Misconfigured(String address, String problem) implements Finding {}

    /** Every endpoint, looked at in parallel, in the order of the settings. */
    static List<Finding> probe(EtcdSettings etcd) {
        SSLContext tls;
        try {
            tls = EtcdTls.context(etcd);
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            // The etcd client read these files already; whatever it makes of them, it will say.
            tls = null;
        }
        var builder =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(PROBE_TIMEOUT);
        if (tls != null) {
            builder.sslContext(tls);
        }
        try (var http = builder.build();
                var plain = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(PROBE_TIMEOUT)
                        .build();
                var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            var futures = new ArrayList<Future<Finding>>();
            for (var address : etcd.addresses()) {
                futures.add(threads.submit(() -> probe(address, http, plain, etcd)));
            }
            var findings = new ArrayList<Finding>();
            for (int i = 0; i < futures.size(); i++) {
                findings.add(result(futures.get(i), etcd.addresses().get(i)));
            }
            return findings;
        }
    }

    private static Finding result(Future<Finding> future, String address) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unreachable(address, "interrupted");
        } catch (ExecutionException e) {
            return new Unreachable(address, EtcdTls.rootMessage(e));
        }
    }

    private static Finding probe(String address, HttpClient http, HttpClient plain, EtcdSettings etcd) {
        URI uri;
        try {
            uri = URI.create(address);
        } catch (IllegalArgumentException e) {
            return new Misconfigured(address, "etcd address \"" + address + "\" is not a URL: " + e.getMessage());
        }
        if (uri.getHost() == null) {
            return new Misconfigured(address, "etcd address \"" + address + "\" has no host");
        }
        int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
        InetAddress host;
        try {
            host = resolve(uri.getHost());
        } catch (UnknownHostException e) {
            return new Unreachable(address, "unknown host \"" + uri.getHost() + "\" (DNS cannot resolve it)");
        } catch (TimeoutException e) {
            return new Unreachable(
                    address, "DNS did not resolve host \"" + uri.getHost() + "\" within " + PROBE_SECONDS + "s");
        }
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) PROBE_TIMEOUT.toMillis());
        } catch (ConnectException e) {
            return new Unreachable(
                    address, "connection refused (nothing listens on " + host.getHostAddress() + ":" + port + ")");
        } catch (SocketTimeoutException e) {
            return new Unreachable(
                    address,
                    "no TCP connection to " + host.getHostAddress() + ":" + port + " within " + PROBE_SECONDS
                            + "s (a firewall, or the host is down)");
        } catch (NoRouteToHostException e) {
            return new Unreachable(address, "no route to host " + host.getHostAddress());
        } catch (IOException e) {
            return new Unreachable(
                    address, "cannot connect to " + host.getHostAddress() + ":" + port + ": " + EtcdTls.rootMessage(e));
        }
        return answer(address, http, plain, etcd);
    }

    /**
     * The host's address, within the probe's timeout: a lookup has no timeout of its own, and a DNS
     * server that does not answer would hold startup (and the operator's first word about it) for as
     * long as the resolver's retries take. A lookup still running when the time is up is left to end
     * on its own thread.
     */
    private static InetAddress resolve(String host) throws UnknownHostException, TimeoutException {
        var lookup = new CompletableFuture<InetAddress>();
        Thread.ofVirtual().name("etcd-dns-" + host).start(() -> {
            try {
                lookup.complete(InetAddress.getByName(host));
            } catch (UnknownHostException | RuntimeException e) {
                lookup.completeExceptionally(e);
            }
        });
        try {
            return lookup.get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownHostException unknown) {
                throw unknown;
            }
            throw new UnknownHostException(host + ": " + EtcdTls.rootMessage(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted");
        }
    }

    /** Asks for {@code /version}: an answer, a misconfiguration, or no HTTP answer in time. */
    private static Finding answer(String address, HttpClient http, HttpClient plain, EtcdSettings etcd) {
        try {
            var response = http.send(version(address), HttpResponse.BodyHandlers.discarding());
            // A TLS port may answer a plain HTTP request with 400; etcd's /version answers 200.
            if (response.statusCode() == 400 && speaksTls(http, address)) {
                return new Misconfigured(address, EtcdTls.servesTls(address));
            }
            return new Answers(address);
        } catch (SSLException e) {
            return tlsFailure(e, address, plain, etcd);
        } catch (HttpTimeoutException e) {
            return new Unreachable(
                    address, "accepts connections but did not answer within " + PROBE_SECONDS + "s (is it etcd?)");
        } catch (ConnectException e) {
            return new Unreachable(address, "connection refused");
        } catch (IOException e) {
            if (e.getCause() instanceof SSLException tls) {
                return tlsFailure(tls, address, plain, etcd);
            }
            // Something listens but hung up on plain HTTP: etcd with TLS does that.
            if (speaksTls(http, address)) {
                return new Misconfigured(address, EtcdTls.servesTls(address));
            }
            return new Unreachable(address, "hung up without an answer: " + EtcdTls.rootMessage(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unreachable(address, "interrupted");
        }
    }

    /** A handshake that failed: TLS asked of a plain HTTP server, or a certificate refused on either side. */
    private static Finding tlsFailure(SSLException e, String address, HttpClient plain, EtcdSettings etcd) {
        if (address.startsWith("https://") && answersPlainHttp(plain, address)) {
            return new Misconfigured(address, EtcdTls.servesPlainHttp(address));
        }
        return new Misconfigured(address, EtcdTls.describe(e, address, etcd));
    }

    private static boolean answersPlainHttp(HttpClient plain, String address) {
        try {
            plain.send(
                    version("http://" + address.substring("https://".length())),
                    HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether an {@code http://} address answers TLS: it completes a handshake, or takes part in one and fails it. */
    private static boolean speaksTls(HttpClient http, String address) {
        if (!address.startsWith("http://")) {
            return false;
        }
        try {
            http.send(
                    version("https://" + address.substring("http://".length())),
                    HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (SSLHandshakeException e) {
            return true;
        } catch (IOException e) {
            return e.getCause() instanceof SSLHandshakeException;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static HttpRequest version(String address) {
        return HttpRequest.newBuilder(URI.create(address.replaceAll("/+$", "") + "/version"))
                .timeout(PROBE_TIMEOUT)
                .build();
    }

    /**
     * Whether the first request failed because etcd refused it (wrong or missing credentials, a user
     * without access to the namespace): retrying cannot help, so adagiod stops and says what to change.
     */
    static Optional<String> refusal(RepositoryException e, EtcdSettings etcd) {
        var status = Status.fromThrowable(e);
        var where = String.join(",", etcd.addresses());
        return switch (status.getCode()) {
            case UNAUTHENTICATED ->
                Optional.of(e.getMessage() + "; check " + Option.ETCD_USERNAME.flag() + " and "
                        + Option.ETCD_PASSWORD.flag());
            case PERMISSION_DENIED ->
                Optional.of("etcd at " + where + " denies "
                        + (etcd.username() == null ? "access" : "user \"" + etcd.username() + "\"")
                        + " to the keys under \"" + etcd.namespace() + "/\" (" + status.getDescription()
                        + "): grant its role read and write on them, or set " + Option.ETCD_NAMESPACE.flag());
            case INVALID_ARGUMENT ->
                Optional.of("etcd at " + where + " refused adagiod's first request (" + status.getDescription() + ")"
                        + (etcd.username() == null
                                ? ": it has authentication enabled; set " + Option.ETCD_USERNAME.flag() + " and "
                                        + Option.ETCD_PASSWORD.flag()
                                : ""));
            default -> Optional.empty();
        };
    }
}
