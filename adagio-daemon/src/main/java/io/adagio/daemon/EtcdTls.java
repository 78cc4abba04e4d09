package io.adagio.daemon;

import io.adagio.etcd.EtcdSettings;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.Base64;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS side of the startup check: an {@link SSLContext} made from the same files the etcd client
 * uses, and what a failed handshake means in the operator's terms (which option to change).
 */
final class EtcdTls {
    private static final Pattern PEM_KEY =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private EtcdTls() {}

    /** Trust the CA file (or the JVM's CAs), present the client certificate if there is one. */
    static SSLContext context(EtcdSettings etcd) throws GeneralSecurityException, IOException {
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

    /** What a failed handshake with an etcd that does speak TLS means, and what to change. */
    static String describe(SSLException e, String address, EtcdSettings etcd) {
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

    static String servesTls(String address) {
        return "etcd at " + address + " serves TLS: use https:// addresses in " + Option.ETCD_ADDRESSES.flag()
                + " (and " + Option.ETCD_CA_FILE.flag() + " for its CA)";
    }

    static String servesPlainHttp(String address) {
        return "etcd at " + address + " does not serve TLS (it answers plain HTTP): use an http:// address in "
                + Option.ETCD_ADDRESSES.flag() + ", or start etcd with TLS";
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

    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (var t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    static String rootMessage(Throwable e) {
        var t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
