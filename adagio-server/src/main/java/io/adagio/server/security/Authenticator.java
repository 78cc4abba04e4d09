package io.adagio.server.security;

import java.security.cert.X509Certificate;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Decides who a request comes from, by the credentials the API requires: a bearer token of the
 * {@link TokenStore} ({@code Authorization: Bearer TOKEN}, the same header as gRPC metadata), a
 * client certificate the TLS handshake has verified against {@code -tls-client-ca-file}, both, or
 * neither. The caller's NAME is the token's name when tokens are required, else the certificate's
 * subject (its CN when it has one), else {@value Caller#ANONYMOUS}.
 */
final class Authenticator {
    /** The outcome: a NAME, or a refusal with a message for the client. */
    sealed interface Result {
        record Authenticated(String name) implements Result {}

        record Refused(String message) implements Result {}
    }

    private final TokenStore tokens;
    private final boolean clientCertificates;

    /**
     * @param tokens             null when bearer tokens are not required
     * @param clientCertificates whether a verified client certificate is required
     */
    Authenticator(TokenStore tokens, boolean clientCertificates) {
        this.tokens = tokens;
        this.clientCertificates = clientCertificates;
    }

    /** Whether any credential is required at all. */
    boolean required() {
        return tokens != null || clientCertificates;
    }

    /**
     * @param authorization the {@code Authorization} header (or gRPC metadata), or null
     * @param session       the TLS session, or null over plaintext
     */
    Result authenticate(String authorization, SSLSession session) {
        String subject = null;
        if (clientCertificates) {
            subject = certificateSubject(session);
            if (subject == null) {
                return new Result.Refused("a client certificate is required: this API accepts only clients with a"
                        + " certificate signed by its -tls-client-ca-file (adagio CLI: -cert-file and -key-file)");
            }
        }
        if (tokens == null) {
            return new Result.Authenticated(subject != null ? subject : Caller.ANONYMOUS);
        }
        if (authorization == null || authorization.isBlank()) {
            return new Result.Refused("a bearer token is required: send the header 'Authorization: Bearer TOKEN'"
                    + " (adagio CLI: set ADAGIO_TOKEN or pass -token-file FILE)");
        }
        String value = authorization.strip();
        int space = value.indexOf(' ');
        String scheme = space < 0 ? value : value.substring(0, space);
        if (!scheme.toLowerCase(Locale.ROOT).equals("bearer")) {
            return new Result.Refused("unsupported authorization scheme "
                    + UserText.quote(scheme.length() > 20 ? scheme.substring(0, 20) : scheme)
                    + ": send 'Authorization: Bearer TOKEN'");
        }
        String token = space < 0 ? "" : value.substring(space + 1).strip();
        return tokens.nameOf(token)
                .<Result>map(Result.Authenticated::new)
                .orElseGet(() -> new Result.Refused("invalid bearer token"));
    }

    /** The name goes into log lines: no control characters. */
    private static String printable(String name) {
        return name.replaceAll("\\p{Cntrl}", "?");
    }

    /** The verified client certificate's CN, or its whole subject when it has none; null when there is no certificate. */
    static String certificateSubject(SSLSession session) {
        if (session == null) {
            return null;
        }
        try {
            var chain = session.getPeerCertificates();
            if (chain.length == 0 || !(chain[0] instanceof X509Certificate certificate)) {
                return null;
            }
            String subject = certificate.getSubjectX500Principal().getName();
            try {
                for (var rdn : new LdapName(subject).getRdns().reversed()) {
                    if (rdn.getType().equalsIgnoreCase("CN")) {
                        return printable(rdn.getValue().toString());
                    }
                }
            } catch (InvalidNameException e) {
                // fall back to the whole subject
            }
            return printable(subject);
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }
}
