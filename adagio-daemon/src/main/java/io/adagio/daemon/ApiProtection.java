package io.adagio.daemon;

import io.adagio.server.security.ApiSecurity;
import io.adagio.server.security.Origins;
import io.adagio.server.security.ServerTls;
import io.adagio.server.security.TlsFiles;
import io.adagio.server.security.TokenStore;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the API options into the server's {@link ApiSecurity}, and decides whether the API may be
 * served at all where it is asked to listen: an API that anyone on the network can reach must ask
 * callers who they are, unless the operator says, in so many words, that it need not.
 */
final class ApiProtection {
    private static final Logger log = LoggerFactory.getLogger(ApiProtection.class);

    private ApiProtection() {}

    /**
     * Why adagiod must not start with these settings, in one line; empty when it may. The API on a
     * non-loopback address needs {@code -auth-token-file} or {@code -tls-client-ca-file}, or
     * {@code -insecure-no-auth}.
     */
    static Optional<String> refusal(Settings settings) {
        if (!settings.mode().runsApi() || settings.listensOnLoopback()) {
            return Optional.empty();
        }
        var api = settings.api();
        if (api.authenticates() || api.insecureNoAuth()) {
            return Optional.empty();
        }
        return Optional.of("refusing to serve the API on " + listen(settings)
                + " without authentication: anyone who can reach it could run commands on the agents; set "
                + Option.AUTH_TOKEN_FILE.flag() + " or " + Option.TLS_CLIENT_CA_FILE.flag()
                + " (or " + Option.INSECURE_NO_AUTH.flag() + " if you accept that)");
    }

    /** The loud warning of {@code -insecure-no-auth}, when it is in effect; logged at start and every hour. */
    static Optional<String> insecureWarning(Settings settings) {
        if (!settings.mode().runsApi()
                || settings.listensOnLoopback()
                || settings.api().authenticates()) {
            return Optional.empty();
        }
        return Optional.of("SECURITY WARNING: the API on " + listen(settings) + " has no authentication ("
                + Option.INSECURE_NO_AUTH.flag() + "): anyone who can reach this port can start runs, and exec"
                + " nodes run any command on the agents; set " + Option.AUTH_TOKEN_FILE.flag() + " or "
                + Option.TLS_CLIENT_CA_FILE.flag());
    }

    /**
     * The server's protections; opens the token file (the caller closes it).
     *
     * @throws ConfigException when the token file or the TLS files cannot be used
     */
    static ApiSecurity open(Settings settings) {
        var api = settings.api();
        var security = ApiSecurity.DEFAULT
                .withAllowedHosts(api.allowedHosts())
                .withOrigins(Origins.allowing(api.corsAllowedOrigins()));
        if (api.tlsCertFile() != null) {
            var files = new TlsFiles(api.tlsCertFile(), api.tlsKeyFile(), api.tlsClientCaFile());
            try {
                ServerTls.check(files);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
            security = security.withTls(files);
        }
        if (api.authTokenFile() != null) {
            try {
                security = security.withTokens(TokenStore.open(api.authTokenFile(), TokenStore.DEFAULT_CHECK_INTERVAL));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("invalid " + Option.AUTH_TOKEN_FILE.flag() + ": " + e.getMessage());
            }
        }
        if (!settings.listensOnLoopback() && api.authTokenFile() != null && api.tlsCertFile() == null) {
            log.warn(
                    "bearer tokens travel in clear text to {}: anyone on the path can read and reuse them;"
                            + " add {} and {}",
                    listen(settings),
                    Option.TLS_CERT_FILE.flag(),
                    Option.TLS_KEY_FILE.flag());
        }
        if (security.origins().corsEnabled()) {
            log.info(
                    "CORS: web pages of {} may call the API",
                    String.join(", ", security.origins().describe()));
        }
        return security;
    }

    private static String listen(Settings settings) {
        var address = settings.listen();
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
