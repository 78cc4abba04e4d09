package io.adagio.server.security;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The PEM files of TLS on the API port.
 *
 * @param certificate  the server's certificate chain ({@code -tls-cert-file})
 * @param key          its private key, PKCS#8 or PKCS#1 ({@code -tls-key-file})
 * @param clientCa     null, or the CA whose certificates clients must present ({@code -tls-client-ca-file})
 */
public record TlsFiles(Path certificate, Path key, Path clientCa) {
    public TlsFiles {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
    }

    public boolean requiresClientCertificates() {
        return clientCa != null;
    }
}
