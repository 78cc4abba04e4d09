package io.adagio.client;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where the control plane is: {@code host:port} as users write it ({@code localhost:7890},
 * {@code [::1]:7890}, a bare host for the default port) or a full {@code http://} or {@code https://} URL.
 */
record Target(String authority, URI baseUri) {
    static final int DEFAULT_PORT = 7890;

    static Target parse(String address) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("no adagiod address given: expected HOST:PORT, for example localhost:7890");
        }
        String text = address.strip();
        String scheme = "http";
        int schemeEnd = text.indexOf("://");
        if (schemeEnd >= 0) {
            scheme = text.substring(0, schemeEnd).toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("unsupported scheme in adagiod address \"" + address
                        + "\": use HOST:PORT, http://HOST:PORT or https://HOST:PORT");
            }
            text = text.substring(schemeEnd + 3);
        }
        int slash = text.indexOf('/');
        String path = slash >= 0 ? text.substring(slash) : "/";
        String hostPort = slash >= 0 ? text.substring(0, slash) : text;
        try {
            URI uri = new URI(scheme + "://" + hostPort);
            if (uri.getHost() == null) {
                throw new URISyntaxException(hostPort, "no host");
            }
            int port = uri.getPort() >= 0 ? uri.getPort() : schemeEnd >= 0 ? (scheme.equals("https") ? 443 : 80) : DEFAULT_PORT;
            String authority = (uri.getHost().contains(":") && !uri.getHost().startsWith("[")
                    ? "[" + uri.getHost() + "]" : uri.getHost()) + ":" + port;
            if (!path.endsWith("/")) {
                path = path + "/";
            }
            return new Target(authority, new URI(scheme + "://" + authority + path));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid adagiod address \"" + address
                    + "\": expected HOST:PORT, for example localhost:7890");
        }
    }
}
