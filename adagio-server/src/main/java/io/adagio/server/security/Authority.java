package io.adagio.server.security;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * The host and port of a {@code Host} header or an HTTP/2 {@code :authority}: {@code name},
 * {@code name:port}, {@code 192.0.2.1:port}, {@code [2001:db8::1]:port}. The host is lower case,
 * without IPv6 brackets and without a trailing dot ({@code localhost.} is {@code localhost}).
 *
 * @param port the port, or -1 when none was written
 */
record Authority(String host, int port) {

    /** The authority as written in a request, or empty when it is not one (a path, a user, junk). */
    static Optional<Authority> parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 1024) {
            return Optional.empty();
        }
        String host;
        String rest;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                return Optional.empty();
            }
            host = text.substring(1, close);
            rest = text.substring(close + 1);
            if (!NetUtil.isValidIpV6Address(host)) {
                return Optional.empty();
            }
        } else {
            int colon = text.indexOf(':');
            if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
                return Optional.empty(); // an IPv6 address must be in brackets
            }
            host = colon < 0 ? text : text.substring(0, colon);
            rest = colon < 0 ? "" : text.substring(colon);
            if (host.isEmpty() || !host.chars().allMatch(Authority::isNameChar)) {
                return Optional.empty();
            }
        }
        int port = -1;
        if (!rest.isEmpty()) {
            if (!rest.startsWith(":") || rest.length() > 6) {
                return Optional.empty();
            }
            String digits = rest.substring(1);
            if (!digits.isEmpty()) {
                if (!digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    return Optional.empty();
                }
                port = Integer.parseInt(digits);
                if (port > 65535) {
                    return Optional.empty();
                }
            }
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.endsWith(".") && host.length() > 1) {
            host = host.substring(0, host.length() - 1);
        }
        return Optional.of(new Authority(host, port));
    }

    /** The address when the host is an IP literal (no name is ever looked up), else empty. */
    Optional<InetAddress> address() {
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            return Optional.ofNullable(NetUtil.createInetAddressFromIpAddressString(host));
        }
        return Optional.empty();
    }

    /** {@code host[:port]} with IPv6 hosts in brackets, as a browser writes it. */
    @Override
    public String toString() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return port < 0 ? h : h + ":" + port;
    }

    /** Letters, digits, dots, hyphens and underscores: what host names (and IPv4 literals) are made of. */
    private static boolean isNameChar(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_';
    }
}
