package io.adagio.server.security;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which {@code Host} (HTTP/1) or {@code :authority} (HTTP/2, gRPC) a request may name: the defence
 * against DNS rebinding, where a hostile page makes its own name resolve to this machine and then
 * talks to the API as if it were its own site. Only names that cannot be a hostile site's are
 * accepted:
 *
 * <ul>
 *   <li>loopback: {@code localhost}, {@code 127.0.0.0/8}, {@code [::1]};
 *   <li>the listen address (and the name it was given as); when it is a wildcard ({@code 0.0.0.0},
 *       {@code [::]}), every address of this machine's network interfaces and its host name;
 *   <li>the names and addresses of {@code -allowed-hosts}, or any host at all when that is {@code *}.
 * </ul>
 *
 * <p>The port is not checked: a rebinding page cannot choose which server it reaches by port, and
 * proxies may rewrite it. Nothing is resolved per request; IP literals are parsed, never looked up.
 */
public final class HostPolicy {
    private static final Logger log = LoggerFactory.getLogger(HostPolicy.class);

    /** What a wildcard listen address accepts besides loopback: this machine's own names and addresses. */
    record MachineIdentity(Set<String> names, Set<InetAddress> addresses) {}

    private final boolean anyHost;
    private final Set<String> names;
    private final Set<InetAddress> addresses;

    private HostPolicy(boolean anyHost, Set<String> names, Set<InetAddress> addresses) {
        this.anyHost = anyHost;
        this.names = Set.copyOf(names);
        this.addresses = Set.copyOf(addresses);
    }

    /**
     * The policy for a server listening on {@code listen} with these extra allowed hosts.
     *
     * @throws IllegalArgumentException when an allowed host is not a host name or an IP address
     */
    public static HostPolicy of(InetSocketAddress listen, Collection<String> allowedHosts) {
        return of(listen, allowedHosts, HostPolicy::thisMachine);
    }

    static HostPolicy of(InetSocketAddress listen, Collection<String> allowedHosts, Supplier<MachineIdentity> machine) {
        var names = new HashSet<String>();
        var addresses = new HashSet<InetAddress>();
        boolean any = false;
        for (String entry : allowedHosts) {
            if (entry.strip().equals("*")) {
                any = true;
                continue;
            }
            var host = parseAllowedHost(entry);
            host.address().ifPresentOrElse(addresses::add, () -> names.add(host.host()));
        }
        var address = listen.getAddress();
        if (address != null && address.isAnyLocalAddress()) {
            var self = machine.get();
            names.addAll(self.names());
            addresses.addAll(self.addresses());
        } else {
            if (address != null) {
                addresses.add(address);
            }
            Authority.parse(listen.getHostString()).ifPresent(a -> {
                if (a.address().isEmpty()) {
                    names.add(a.host());
                }
            });
        }
        return new HostPolicy(any, names, addresses);
    }

    /**
     * One {@code -allowed-hosts} entry, checked: a host name or an IP address (IPv6 with or without
     * brackets), without a port.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static void checkAllowedHost(String entry) {
        parseAllowedHost(entry);
    }

    private static Authority parseAllowedHost(String entry) {
        String text = entry.strip();
        if (text.indexOf(':') != text.lastIndexOf(':') && !text.startsWith("[")) {
            text = "[" + text + "]"; // a bare IPv6 address
        }
        var parsed = Authority.parse(text)
                .orElseThrow(
                        () -> new IllegalArgumentException(
                                UserText.quote(entry)
                                        + " is not a host name or an IP address (write names like adagio.example.com, 10.0.0.5, [fd00::5])"));
        if (parsed.port() >= 0 || text.endsWith(":")) {
            throw new IllegalArgumentException(
                    UserText.quote(entry) + " has a port: allowed hosts are names or addresses, any port is accepted");
        }
        return parsed;
    }

    /** Whether a request naming this {@code Host} / {@code :authority} may be served. */
    public boolean allows(String authority) {
        if (anyHost) {
            return true;
        }
        var parsed = Authority.parse(authority);
        if (parsed.isEmpty()) {
            return false;
        }
        var host = parsed.get();
        var address = host.address();
        if (address.isPresent()) {
            return address.get().isLoopbackAddress() || addresses.contains(address.get());
        }
        return host.host().equals("localhost") || names.contains(host.host());
    }

    /** The message for a refused request: which host, and how an operator would allow it. */
    public static String refusal(String authority) {
        if (authority == null || authority.isEmpty()) {
            return "the request names no host (Host header or :authority): refused, to protect against DNS rebinding";
        }
        return "host " + UserText.quote(authority)
                + " is not allowed (protection against DNS rebinding): use localhost or the listen address,"
                + " or add the name to -allowed-hosts";
    }

    /** This machine's host name and its interfaces' addresses, looked up once when the server is built. */
    private static MachineIdentity thisMachine() {
        var names = new HashSet<String>();
        var addresses = new HashSet<InetAddress>();
        try {
            String name = InetAddress.getLocalHost().getHostName();
            Authority.parse(name).filter(a -> a.address().isEmpty()).ifPresent(a -> names.add(a.host()));
        } catch (UnknownHostException e) {
            log.debug("this machine's host name is unknown: {}", e.getMessage());
        }
        try {
            var interfaces = NetworkInterface.networkInterfaces().toList();
            for (var nic : interfaces) {
                nic.inetAddresses()
                        .map(a -> a instanceof Inet6Address v6 && v6.getScopeId() != 0 ? withoutScope(v6) : a)
                        .forEach(addresses::add);
            }
        } catch (SocketException e) {
            log.debug("cannot list this machine's network interfaces: {}", e.getMessage());
        }
        return new MachineIdentity(names, addresses);
    }

    /** A link-local address as a Host header carries it (no zone). */
    private static InetAddress withoutScope(Inet6Address address) {
        try {
            return InetAddress.getByAddress(address.getAddress());
        } catch (UnknownHostException e) {
            return address;
        }
    }

    /** What is accepted besides loopback, for the startup log: names first, then addresses. */
    public List<String> describe() {
        if (anyHost) {
            return List.of("*");
        }
        var out = new ArrayList<String>(names.stream().sorted().toList());
        addresses.stream()
                .map(a -> a.getHostAddress().toLowerCase(Locale.ROOT))
                .sorted()
                .forEach(out::add);
        return out;
    }
}
