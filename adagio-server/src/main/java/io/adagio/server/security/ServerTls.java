package io.adagio.server.security;

import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.server.ServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;

/**
 * TLS on the API port: the one port speaks only TLS (gRPC, HTTP/JSON, UI, health and metrics alike),
 * with the certificate and key of {@link TlsFiles}. With a client CA, clients are asked for a
 * certificate and one signed by another CA fails the handshake; a client with none still
 * connects, and the {@link RequestGuard} then refuses its API calls with a message saying why
 * (UNAUTHENTICATED / 401) while the UI's files and {@code /health} stay reachable for probes.
 *
 * <p>The files are checked here, before the server starts, so that a wrong path, a key that is not
 * the certificate's or a file that is not PEM is one clear startup error instead of failed handshakes.
 */
public final class ServerTls {
    private ServerTls() {}

    /**
     * Serves HTTPS only on {@code listen} with these files.
     *
     * @throws IllegalArgumentException naming the file that cannot be used and why
     */
    public static void apply(ServerBuilder sb, InetSocketAddress listen, TlsFiles files) {
        var pair = keyPair(files);
        var clientCas = clientCas(files);
        sb.https(listen).tls(pair);
        if (!clientCas.isEmpty()) {
            sb.tlsCustomizer(ssl -> ssl.clientAuth(ClientAuth.OPTIONAL).trustManager(clientCas));
        }
    }

    /**
     * Checks the files as {@link #apply} would use them, so that a mistake is found before anything starts.
     *
     * @throws IllegalArgumentException naming the file that cannot be used and why
     */
    public static void check(TlsFiles files) {
        keyPair(files);
        clientCas(files);
    }

    private static List<X509Certificate> clientCas(TlsFiles files) {
        return files.clientCa() == null ? List.of() : certificates(files.clientCa(), "-tls-client-ca-file");
    }

    private static TlsKeyPair keyPair(TlsFiles files) {
        var chain = certificates(files.certificate(), "-tls-cert-file");
        readable(files.key(), "-tls-key-file");
        TlsKeyPair pair;
        try {
            pair = TlsKeyPair.of(files.key().toFile(), files.certificate().toFile());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "-tls-key-file " + files.key()
                            + " is not a PEM private key (expected BEGIN PRIVATE KEY, PKCS#8, unencrypted): "
                            + reason(e),
                    e);
        }
        if (!matches(pair.privateKey(), chain.getFirst())) {
            throw new IllegalArgumentException("-tls-key-file " + files.key()
                    + " is not the private key of the certificate in -tls-cert-file " + files.certificate());
        }
        return pair;
    }

    /** The certificates of a PEM file; at least one. */
    static List<X509Certificate> certificates(Path file, String option) {
        readable(file, option);
        try (InputStream in = Files.newInputStream(file)) {
            var certificates = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast)
                    .toList();
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException(
                        option + " " + file + " holds no certificate (expected PEM, BEGIN CERTIFICATE)");
            }
            return certificates;
        } catch (IOException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException(
                    option + " " + file + " is not a PEM certificate file (expected BEGIN CERTIFICATE): " + reason(e),
                    e);
        }
    }

    private static void readable(Path file, String option) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(option + " " + file + ": no such readable file");
        }
    }

    /** Whether the key signs what the certificate's public key verifies. */
    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        var publicKey = certificate.getPublicKey();
        String algorithm = switch (publicKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) {
            return true; // cannot tell: let the handshake decide
        }
        try {
            // The JDK's own form of the key, whichever library read the PEM file.
            var jdkKey = KeyFactory.getInstance(publicKey.getAlgorithm())
                    .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
            byte[] probe = "adagio key check".getBytes(StandardCharsets.US_ASCII);
            var signer = Signature.getInstance(algorithm);
            signer.initSign(jdkKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            var verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String reason(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
