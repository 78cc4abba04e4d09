package io.adagio.testkit.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.adagio.testkit.tls.TestCertificates;
import io.adagio.testkit.tls.TlsContexts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The etcd fixture's secured members really are secured: TLS, client certificates, users. */
class SecuredEtcdTest {

    @Test
    void clientCertificateAuthWantsTheCaAndACertificateItSigned(@TempDir Path dir) throws Exception {
        try (var etcd = EtcdCluster.builder().clientCertificateAuth().startOrSkip()) {
            assertThat(etcd.clientUrl(0)).startsWith("https://127.0.0.1:");
            var withCertificate = TlsContexts.of(etcd.caFile(), etcd.clientCertificate());
            assertThat(post(withCertificate, etcd.clientUrl(0) + "/v3/kv/range", "{\"key\": \"YQ==\"}"))
                    .contains("\"header\"");

            // No client certificate: the handshake fails (TLS 1.3 may report it on the first read).
            assertThatThrownBy(
                            () -> post(TlsContexts.trusting(etcd.caFile()), etcd.clientUrl(0) + "/v3/kv/range", "{}"))
                    .isInstanceOf(IOException.class);
            // A certificate from another CA is no better.
            var stranger = TestCertificates.authority(dir, "stranger-ca");
            assertThatThrownBy(() -> post(
                            TlsContexts.of(etcd.caFile(), stranger.client("intruder")),
                            etcd.clientUrl(0) + "/v3/kv/range",
                            "{}"))
                    .isInstanceOf(IOException.class);
            // And a client that trusts another CA does not trust etcd.
            assertThatThrownBy(() -> post(
                            TlsContexts.of(stranger.certificateFile(), etcd.clientCertificate()),
                            etcd.clientUrl(0) + "/v3/kv/range",
                            "{}"))
                    .isInstanceOf(SSLException.class);
            // Health and leadership are still known, from the plain metrics port.
            assertThat(etcd.leader()).isZero();
        }
    }

    @Test
    void aUserIsAllowedItsNamespaceOnly() throws Exception {
        try (var etcd =
                EtcdCluster.builder().user("adagio", "adagio-password", "ns").startOrSkip()) {
            var url = etcd.clientUrl(0);
            assertThat(post(null, url + "/v3/kv/range", "{\"key\": \"bnMvYQ==\"}"))
                    .contains("user name is empty");
            assertThat(post(null, url + "/v3/auth/authenticate", "{\"name\": \"adagio\", \"password\": \"wrong\"}"))
                    .contains("authentication failed");
            var token = token(post(
                    null, url + "/v3/auth/authenticate", "{\"name\": \"adagio\", \"password\": \"adagio-password\"}"));
            // "ns/a" is inside the namespace, "other/a" is not
            assertThat(post(null, url + "/v3/kv/put", "{\"key\": \"bnMvYQ==\", \"value\": \"eA==\"}", token))
                    .doesNotContain("error");
            assertThat(post(null, url + "/v3/kv/put", "{\"key\": \"b3RoZXIvYQ==\", \"value\": \"eA==\"}", token))
                    .contains("permission denied");
            var root = token(post(
                    null,
                    url + "/v3/auth/authenticate",
                    "{\"name\": \"root\", \"password\": \"" + etcd.rootPassword() + "\"}"));
            assertThat(post(null, url + "/v3/kv/put", "{\"key\": \"b3RoZXIvYQ==\", \"value\": \"eA==\"}", root))
                    .doesNotContain("error");
        }
    }

    private static String token(String authenticateResponse) {
        var m = java.util.regex.Pattern.compile("\"token\":\"([^\"]+)\"").matcher(authenticateResponse);
        assertThat(m.find()).as(authenticateResponse).isTrue();
        return m.group(1);
    }

    private static String post(SSLContext tls, String url, String body) throws IOException, InterruptedException {
        return post(tls, url, body, null);
    }

    private static String post(SSLContext tls, String url, String body, String token)
            throws IOException, InterruptedException {
        var builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            builder.sslContext(tls);
        }
        try (var http = builder.build()) {
            var request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (token != null) {
                request.header("Authorization", token);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString())
                    .body();
        }
    }
}
