package io.adagio.testkit.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A throw-away certificate authority for tests: it issues server certificates (valid for
 * {@code localhost}, {@code 127.0.0.1} and {@code ::1}) and client certificates (subject
 * {@code CN=<name>}), written as PEM files the way operators hand them to adagiod and etcd.
 *
 * <pre>{@code
 * var ca = TestCertificates.authority(dir, "test-ca");
 * var server = ca.server("server");   // server.pem, server-key.pem
 * var client = ca.client("alice");    // alice.pem, alice-key.pem
 * }</pre>
 */
public final class TestCertificates {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration VALIDITY = Duration.ofDays(2);

    private final Path dir;
    private final KeyPair keys;
    private final X509Certificate certificate;
    private final Path certificateFile;

    private TestCertificates(Path dir, KeyPair keys, X509Certificate certificate, Path certificateFile) {
        this.dir = dir;
        this.keys = keys;
        this.certificate = certificate;
        this.certificateFile = certificateFile;
    }

    /** A new self-signed CA; its certificate is written to {@code <dir>/<name>.pem}. */
    public static TestCertificates authority(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            var keys = newKeyPair();
            var subject = new X500Name("CN=" + name);
            var builder = builder(subject, subject, keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(
                            Extension.subjectKeyIdentifier,
                            false,
                            new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
            var cert = sign(builder, keys.getPrivate());
            var file = dir.resolve(name + ".pem");
            writePem(file, cert);
            return new TestCertificates(dir, keys, cert, file);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot make a test CA", e);
        }
    }

    /** The CA's certificate (PEM), what clients trust and servers check client certificates with. */
    public Path certificateFile() {
        return certificateFile;
    }

    /** A server certificate for {@code localhost}, {@code 127.0.0.1} and {@code ::1}. */
    public Issued server(String name) {
        return issue(
                name,
                KeyPurposeId.id_kp_serverAuth,
                List.of(
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.iPAddress, "::1")));
    }

    /** A client certificate whose subject is {@code CN=<name>}. */
    public Issued client(String name) {
        return issue(name, KeyPurposeId.id_kp_clientAuth, List.of());
    }

    /**
     * A certificate usable both ways (etcd members present one certificate to clients and to their
     * peers), for {@code localhost}, {@code 127.0.0.1} and {@code ::1}.
     */
    public Issued peer(String name) {
        return issue(
                name,
                null,
                List.of(
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                        new GeneralName(GeneralName.iPAddress, "::1")));
    }

    private Issued issue(String name, KeyPurposeId purpose, List<GeneralName> altNames) {
        try {
            var pair = newKeyPair();
            var utils = new JcaX509ExtensionUtils();
            var builder = builder(new X500Name("CN=" + name), subjectOf(certificate), pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(
                            Extension.keyUsage,
                            true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(
                            Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate))
                    .addExtension(
                            Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
            var purposes = new ArrayList<KeyPurposeId>();
            if (purpose == null) {
                purposes.add(KeyPurposeId.id_kp_serverAuth);
                purposes.add(KeyPurposeId.id_kp_clientAuth);
            } else {
                purposes.add(purpose);
            }
            builder.addExtension(
                    Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
            if (!altNames.isEmpty()) {
                builder.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(altNames.toArray(GeneralName[]::new)));
            }
            var cert = sign(builder, keys.getPrivate());
            var certFile = dir.resolve(name + ".pem");
            var keyFile = dir.resolve(name + "-key.pem");
            writePem(certFile, cert);
            writeKey(keyFile, pair.getPrivate());
            return new Issued(certFile, keyFile);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot issue a test certificate for " + name, e);
        }
    }

    /** A certificate and its private key (PKCS#8), both PEM files. */
    public record Issued(Path certificateFile, Path keyFile) {}

    private static X500Name subjectOf(X509Certificate cert) {
        return X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
    }

    private static X509v3CertificateBuilder builder(
            X500Name subject, X500Name issuer, java.security.PublicKey publicKey) {
        var now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                issuer,
                new BigInteger(64, RANDOM).abs().add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(VALIDITY)),
                subject,
                publicKey);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws GeneralSecurityException {
        try {
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static void writePem(Path file, X509Certificate cert) throws IOException {
        var text = new StringWriter();
        try (var pem = new JcaPEMWriter(text)) {
            pem.writeObject(cert);
        }
        Files.writeString(file, text.toString());
    }

    private static void writeKey(Path file, PrivateKey key) {
        var text = new StringWriter();
        try (var pem = new JcaPEMWriter(text)) {
            // PKCS#8 ("BEGIN PRIVATE KEY"): what Netty, Armeria and etcd all read.
            pem.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Files.writeString(file, text.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
