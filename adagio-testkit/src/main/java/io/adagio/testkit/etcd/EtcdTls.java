package io.adagio.testkit.etcd;

import io.adagio.testkit.tls.TestCertificates;
import io.adagio.testkit.tls.TlsContexts;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * The certificates of a TLS etcd, made when it starts: a throw-away CA, the members' certificate
 * (for both server and client use: etcd's own HTTP gateway connects to its gRPC port with it),
 * and a client certificate for tests and adagiod.
 */
record EtcdTls(
        TestCertificates authority,
        TestCertificates.Issued server,
        TestCertificates.Issued client,
        boolean clientCertificateAuth) {

    static EtcdTls create(Path dir, boolean clientCertificateAuth) {
        var authority = TestCertificates.authority(dir, "etcd-ca");
        return new EtcdTls(
                authority, authority.peer("etcd-server"), authority.client("adagio-client"), clientCertificateAuth);
    }

    /** etcd's flags for TLS on the client port (the peers talk plain HTTP on loopback). */
    List<String> serverFlags() {
        var flags = new ArrayList<>(List.of(
                "--cert-file",
                server.certificateFile().toString(),
                "--key-file",
                server.keyFile().toString()));
        if (clientCertificateAuth) {
            flags.addAll(List.of(
                    "--client-cert-auth",
                    "--trusted-ca-file",
                    authority.certificateFile().toString()));
        }
        return flags;
    }

    /** What a test client uses to talk to the members. */
    SSLContext clientContext() {
        return TlsContexts.of(authority.certificateFile(), client);
    }
}
