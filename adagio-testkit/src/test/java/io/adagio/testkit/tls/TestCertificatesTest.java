package io.adagio.testkit.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestCertificatesTest {
    @TempDir
    Path dir;

    @Test
    void issuedCertificatesChainToTheAuthorityAndNameWhatTheySay() throws Exception {
        var ca = TestCertificates.authority(dir, "ca");
        var server = ca.server("server");
        var client = ca.client("alice");

        var caCert = read(ca.certificateFile());
        var serverCert = read(server.certificateFile());
        var clientCert = read(client.certificateFile());
        validate(caCert, serverCert);
        validate(caCert, clientCert);

        assertThat(serverCert.getSubjectAlternativeNames())
                .extracting(n -> n.get(1).toString())
                .contains("localhost", "127.0.0.1");
        assertThat(clientCert.getSubjectX500Principal().getName()).isEqualTo("CN=alice");
        assertThat(Files.readString(client.keyFile())).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    private static X509Certificate read(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static void validate(X509Certificate ca, X509Certificate leaf) throws Exception {
        var path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf));
        var params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(path, params); // throws when the chain is broken
    }
}
