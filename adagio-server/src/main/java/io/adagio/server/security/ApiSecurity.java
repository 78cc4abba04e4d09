package io.adagio.server.security;

import java.util.List;
import java.util.Objects;

/**
 * How the API protects itself, beyond the browser protections that are always on.
 *
 * @param allowedHosts names and addresses accepted in {@code Host} besides loopback and the listen
 *                     address ({@code -allowed-hosts}; {@code *} for any)
 * @param origins      the web origins besides its own that may call it ({@code -cors-allowed-origins})
 * @param tokens       null, or the bearer tokens every API call must carry ({@code -auth-token-file})
 * @param tls          null for plaintext, or TLS (and maybe client certificates) on the API port
 */
public record ApiSecurity(List<String> allowedHosts, Origins origins, TokenStore tokens, TlsFiles tls) {
    /** Loopback only, no CORS, no credentials, plaintext: what {@code adagiod} does by default. */
    public static final ApiSecurity DEFAULT = new ApiSecurity(List.of(), Origins.sameOriginOnly(), null, null);

    public ApiSecurity {
        allowedHosts = List.copyOf(allowedHosts);
        Objects.requireNonNull(origins, "origins");
    }

    public ApiSecurity withAllowedHosts(List<String> hosts) {
        return new ApiSecurity(hosts, origins, tokens, tls);
    }

    public ApiSecurity withOrigins(Origins allowed) {
        return new ApiSecurity(allowedHosts, allowed, tokens, tls);
    }

    public ApiSecurity withTokens(TokenStore store) {
        return new ApiSecurity(allowedHosts, origins, store, tls);
    }

    public ApiSecurity withTls(TlsFiles files) {
        return new ApiSecurity(allowedHosts, origins, tokens, files);
    }
}
