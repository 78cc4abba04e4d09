package io.adagio.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where the control plane is: {@code host:port} as users write it ({@code localhost:7890},
 * {@code [::1]:7890}, a bare host for the default port), or {@code http://host:port} (plaintext)
 * and {@code https://host:port} (TLS). Public for clients that speak to the HTTP/JSON API themselves
 * (the CLI's lean path), so that every client reads an address alike.
 */
public record Target(String host, int port, boolean tls) {
    public static final int DEFAULT_PORT = 7890;

    /** {@code host:port}, with IPv6 hosts in brackets: how messages name the server. */
    public String authority() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** @throws IllegalArgumentException naming what is wrong with {@code address} */
    public static Target parse(String address) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException(
                    "no adagiod address given: expected HOST:PORT, for example localhost:7890");
        }
        String text = address.strip();
        String scheme = "http";
        boolean explicitScheme = false;
        int schemeEnd = text.indexOf("://");
        if (schemeEnd >= 0) {
            scheme = text.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
            explicitScheme = true;
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("unsupported scheme in adagiod address \"" + address
                        + "\": use HOST:PORT, http://HOST:PORT or https://HOST:PORT");
            }
            text = text.substring(schemeEnd + 3);
        }
        if (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.contains("/")) {
            throw new IllegalArgumentException(
                    "invalid adagiod address \"" + address + "\": expected HOST:PORT, without a path");
        }
        try {
            URI uri = new URI(scheme + "://" + text);
            String host = uri.getHost();
            if (host == null || host.isEmpty() || uri.getRawUserInfo() != null) {
                throw new URISyntaxException(text, "no host");
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            boolean tls = scheme.equals("https");
            int port = uri.getPort() >= 0 ? uri.getPort() : explicitScheme ? (tls ? 443 : 80) : DEFAULT_PORT;
            return new Target(host, port, tls);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "invalid adagiod address \"" + address + "\": expected HOST:PORT, for example localhost:7890");
        }
    }
}
