package io.adagio.server.security;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which web origins may call the API: the daemon's own (the scheme, host and port a request was
 * addressed to, so the UI it serves works) and those of {@code -cors-allowed-origins} ({@code *}
 * for any). Browsers send {@code Origin} with every cross-site request that could change
 * something, so refusing foreign origins stops a hostile page from using the API through the
 * user's browser; the allowed ones also get CORS headers so that their pages can read the answers.
 */
public final class Origins {
    /** What a request's {@code Origin} means for it. */
    public sealed interface Decision {
        /** No {@code Origin}: not a cross-site browser request (curl, gRPC, a navigation, same-site GET). */
        record Absent() implements Decision {}

        /** The daemon's own origin: its own UI. */
        record Same() implements Decision {}

        /** Another origin that is allowed; the answer carries {@code Access-Control-Allow-Origin: allowOrigin}. */
        record Allowed(String allowOrigin) implements Decision {}

        /** Another origin, not allowed. */
        record Forbidden(String origin) implements Decision {}
    }

    private static final Origins NONE = new Origins(false, Set.of());

    private final boolean any;
    private final Set<String> allowed;

    private Origins(boolean any, Set<String> allowed) {
        this.any = any;
        this.allowed = Collections.unmodifiableSet(new LinkedHashSet<>(allowed));
    }

    /** Only the daemon's own origin: no CORS at all (the default). */
    public static Origins sameOriginOnly() {
        return NONE;
    }

    /**
     * The own origin and these: each {@code scheme://host[:port]}, or {@code *} for every origin.
     *
     * @throws IllegalArgumentException naming an entry that is not an origin
     */
    public static Origins allowing(Collection<String> origins) {
        boolean any = false;
        var set = new LinkedHashSet<String>();
        for (String entry : origins) {
            if (entry.strip().equals("*")) {
                any = true;
            } else {
                set.add(normalize(entry));
            }
        }
        return any || !set.isEmpty() ? new Origins(any, set) : NONE;
    }

    /** Whether any cross-origin caller is allowed (CORS is on). */
    public boolean corsEnabled() {
        return any || !allowed.isEmpty();
    }

    /** For the startup log. */
    public List<String> describe() {
        return any ? List.of("*") : List.copyOf(allowed);
    }

    /**
     * @param origin    the request's {@code Origin} header, or null
     * @param tls       whether the request came over TLS (its scheme is https)
     * @param authority its {@code Host} / {@code :authority}
     */
    public Decision decide(String origin, boolean tls, String authority) {
        if (origin == null) {
            return new Decision.Absent();
        }
        var normalized = parse(origin);
        if (normalized.isPresent() && normalized.get().equals(own(tls, authority))) {
            return new Decision.Same();
        }
        if (any) {
            // "*" rather than the origin: no credentials are involved, and caches may share the answer.
            return new Decision.Allowed("*");
        }
        if (normalized.isPresent() && allowed.contains(normalized.get())) {
            return new Decision.Allowed(origin.strip());
        }
        if (origin.strip().equals("null") && allowed.contains("null")) {
            return new Decision.Allowed("null");
        }
        return new Decision.Forbidden(origin);
    }

    /** The message for a refused origin. */
    static String refusal(String origin) {
        return "origin " + UserText.quote(origin)
                + " is not allowed: the API answers its own web UI, and other sites only when listed in -cors-allowed-origins";
    }

    /**
     * One {@code -cors-allowed-origins} entry in the form browsers send ({@code https://ui.example.com},
     * {@code http://localhost:3000}); a trailing slash is dropped. {@code null} (the origin of sandboxed
     * pages and files) is accepted as written.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static String normalize(String entry) {
        String text = entry.strip();
        if (text.equals("null")) {
            return text;
        }
        if (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return parse(text)
                .orElseThrow(() -> new IllegalArgumentException(UserText.quote(entry)
                        + " is not an origin: write scheme://host[:port] without a path, for example https://ui.example.com"
                        + " or http://localhost:3000, or * for any"));
    }

    /** {@code scheme://host[:port]} in one canonical spelling (lower case, no default port), or empty. */
    private static Optional<String> parse(String origin) {
        String text = origin.strip();
        int sep = text.indexOf("://");
        if (sep <= 0) {
            return Optional.empty();
        }
        String scheme = text.substring(0, sep).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.empty();
        }
        return Authority.parse(text.substring(sep + 3)).map(a -> canonical(scheme, a));
    }

    private static String own(boolean tls, String authority) {
        String scheme = tls ? "https" : "http";
        return Authority.parse(authority).map(a -> canonical(scheme, a)).orElse("");
    }

    private static String canonical(String scheme, Authority authority) {
        int defaultPort = scheme.equals("https") ? 443 : 80;
        int port = authority.port() == defaultPort ? -1 : authority.port();
        return scheme + "://" + new Authority(authority.host(), port);
    }
}
