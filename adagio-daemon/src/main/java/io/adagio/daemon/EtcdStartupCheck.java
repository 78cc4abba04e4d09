package io.adagio.daemon;

import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.EtcdSettings;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Tells at startup the etcd problems that retrying cannot fix from those it can (etcd not up yet),
 * and says what to change. The etcd client retries a failed TLS handshake until the request times
 * out and keeps no trace of why, so TLS is checked here directly: one HTTPS request to etcd's
 * {@code /version} with the same CA, certificate and key.
 */
final class EtcdStartupCheck {
    private static final Pattern PEM_KEY =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(5);

    private EtcdStartupCheck() {}

    /**
     * A TLS mistake found by connecting to the first etcd address that answers: its certificate is
     * not trusted, it refuses ours, or it speaks TLS to an {@code http://} address. Empty when TLS
     * is fine or no address answers (then etcd is not up yet, which retrying can fix).
     */
    static Optional<String> tlsProblem(EtcdSettings etcd) {
        SSLContext tls;
        try {
            tls = context(etcd);
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            // The etcd client read these files already; whatever it makes of them, it will say.
            return Optional.empty();
        }
        // Quick: an address that does not answer is left to the etcd client, which retries.
        var timeout = etcd.requestTimeout().compareTo(CHECK_TIMEOUT) < 0 ? etcd.requestTimeout() : CHECK_TIMEOUT;
        try (var http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .sslContext(tls)
                .build()) {
            for (var address : etcd.addresses()) {
                var problem = check(http, address, etcd, timeout);
                if (problem != null) {
                    return problem.isEmpty() ? Optional.empty() : Optional.of(problem);
                }
            }
        }
        return Optional.empty();
    }

    /** The problem with one address; "" when it answered fine; null when it did not answer. */
    private static String check(HttpClient http, String address, EtcdSettings etcd, Duration timeout) {
        try {
            var response = http.send(
                    HttpRequest.newBuilder(URI.create(address.replaceAll("/+$", "") + "/version"))
                            .timeout(timeout)
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            // A TLS port may answer a plain HTTP request with 400; etcd's /version answers 200.
            return response.statusCode() == 400 && speaksTls(http, address, timeout) ? servesTls(address) : "";
        } catch (SSLException e) {
            return describe(e, address, etcd);
        } catch (ConnectException | HttpTimeoutException e) {
            return null;
        } catch (IOException e) {
            if (e.getCause() instanceof SSLException tls) {
                return describe(tls, address, etcd);
            }
            // Something listens but hung up on plain HTTP: etcd with TLS does that.
            return speaksTls(http, address, timeout) ? servesTls(address) : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Whether an {@code http://} address answers TLS: it completes a handshake, or takes part in one and fails it. */
    private static boolean speaksTls(HttpClient http, String address, Duration timeout) {
        if (!address.startsWith("http://")) {
            return false;
        }
        try {
            http.send(
                    HttpRequest.newBuilder(URI.create("https://" + address.substring("http://".length())))
                            .timeout(timeout)
                            .build(),
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

    private static String servesTls(String address) {
        return "etcd at " + address + " serves TLS: use https:// addresses in " + Option.ETCD_ADDRESSES.flag()
                + " (and " + Option.ETCD_CA_FILE.flag() + " for its CA)";
    }

    private static String describe(SSLException e, String address, EtcdSettings etcd) {
        if (causedBy(e, CertificateException.class)) {
            return "etcd's TLS certificate at " + address + " is not trusted by "
                    + (etcd.caFile() == null
                            ? "the JVM's trusted CAs (set " + Option.ETCD_CA_FILE.flag() + " to the CA that signed it)"
                            : "the CA in " + Option.ETCD_CA_FILE.flag() + " " + etcd.caFile())
                    + ": " + rootMessage(e);
        }
        // Otherwise etcd ended the handshake: it wants a client certificate its CA signed.
        return "etcd at " + address + " refused the TLS connection: " + rootMessage(e) + "; "
                + (etcd.certFile() == null
                        ? "it asks for a client certificate; set " + Option.ETCD_CERT_FILE.flag() + " and "
                                + Option.ETCD_KEY_FILE.flag()
                        : "it does not accept the client certificate in " + Option.ETCD_CERT_FILE.flag() + " "
                                + etcd.certFile() + " (is it signed by etcd's --trusted-ca-file?)");
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

    /** Trust the CA file (or the JVM's CAs), present the client certificate if there is one. */
    private static SSLContext context(EtcdSettings etcd) throws GeneralSecurityException, IOException {
        TrustManagerFactory trust = null;
        if (etcd.caFile() != null) {
            var store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (var cert : certificates(etcd.caFile())) {
                store.setCertificateEntry("ca" + i++, cert);
            }
            trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
        }
        KeyManagerFactory keys = null;
        if (etcd.certFile() != null) {
            var store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            var password = new char[0];
            store.setKeyEntry(
                    "client",
                    privateKey(etcd.keyFile()),
                    password,
                    certificates(etcd.certFile()).toArray(Certificate[]::new));
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
        }
        var context = SSLContext.getInstance("TLS");
        context.init(
                keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
        return context;
    }

    private static java.util.Collection<? extends Certificate> certificates(Path pem)
            throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
    }

    /** A PKCS#8 PEM key, as the etcd client takes it. */
    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        var m = PEM_KEY.matcher(Files.readString(pem));
        if (!m.find()) {
            throw new GeneralSecurityException("not a PKCS#8 PEM key: " + pem);
        }
        var spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
        for (var algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException notThisOne) {
                // try the next
            }
        }
        throw new GeneralSecurityException("unsupported key algorithm in " + pem);
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (var t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        var t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
