package io.adagio.etcd;

import io.adagio.core.graph.Limits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How to reach etcd and how to use it.
 *
 * @param addresses      client URLs of the etcd members ({@code http://127.0.0.1:2379}); https when TLS
 * @param namespace      the key prefix everything is written under, so that several installations can
 *                       share one etcd ({@code [A-Za-z0-9._-]+}, default {@code adagio})
 * @param leaseTtl       lifetime of this process's liveness lease without heartbeats (default 10 s): an
 *                       agent that dies loses its claims after at most this long
 * @param username       etcd user (authentication enabled), or null
 * @param password       its password, or null
 * @param caFile         PEM file of the CA that signed the etcd servers' certificates (TLS), or null
 * @param certFile       PEM client certificate for mutual TLS, or null
 * @param keyFile        PEM (PKCS#8) key of the client certificate, or null
 * @param limits         the size limits on submitted graphs
 * @param maxTxnOps      the etcd server's {@code --max-txn-ops} (default 128): a transition with more
 *                       writes is committed through a journal in several transactions
 * @param requestTimeout how long one request to etcd may take before the operation is reported
 *                       unavailable
 * @param housekeepingPeriod how often an agent process scans for orphaned nodes and stuck wide
 *                       fan-ins (default 10 s): a net under the watch that finds them when a lease ends
 */
public record EtcdSettings(
        List<String> addresses,
        String namespace,
        Duration leaseTtl,
        String username,
        String password,
        Path caFile,
        Path certFile,
        Path keyFile,
        Limits limits,
        int maxTxnOps,
        Duration requestTimeout,
        Duration housekeepingPeriod) {

    public static final String DEFAULT_ADDRESS = "http://127.0.0.1:2379";
    public static final String DEFAULT_NAMESPACE = "adagio";
    public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_TXN_OPS = 128;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HOUSEKEEPING_PERIOD = Duration.ofSeconds(10);

    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    public EtcdSettings {
        addresses = addresses == null || addresses.isEmpty() ? List.of(DEFAULT_ADDRESS) : List.copyOf(addresses);
        for (var a : addresses) {
            if (!(a.startsWith("http://") || a.startsWith("https://"))) {
                throw new IllegalArgumentException(
                        "etcd address \"" + a + "\" must be a URL such as " + DEFAULT_ADDRESS);
            }
        }
        namespace = namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
        if (!NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException(
                    "etcd namespace \"" + namespace + "\" is invalid: use 1-128 characters of A-Z a-z 0-9 . _ -");
        }
        leaseTtl = leaseTtl == null ? DEFAULT_LEASE_TTL : leaseTtl;
        if (leaseTtl.compareTo(Duration.ofSeconds(2)) < 0) {
            throw new IllegalArgumentException("etcd lease TTL must be at least 2s, got " + leaseTtl);
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("etcd username and password must be given together");
        }
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("etcd client certificate and key files must be given together");
        }
        limits = limits == null ? Limits.DEFAULT : limits;
        maxTxnOps = maxTxnOps == 0 ? DEFAULT_MAX_TXN_OPS : maxTxnOps;
        if (maxTxnOps < 16) {
            throw new IllegalArgumentException("maxTxnOps must be at least 16, got " + maxTxnOps);
        }
        requestTimeout = requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout;
        housekeepingPeriod = housekeepingPeriod == null ? DEFAULT_HOUSEKEEPING_PERIOD : housekeepingPeriod;
        if (housekeepingPeriod.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException(
                    "etcd housekeeping period must be at least 100ms, got " + housekeepingPeriod);
        }
    }

    /** Defaults everywhere but the addresses. */
    public static EtcdSettings of(List<String> addresses) {
        return new EtcdSettings(addresses, null, null, null, null, null, null, null, null, 0, null, null);
    }

    /** Comma-separated addresses, as {@code -etcd-addresses} takes them. */
    public static EtcdSettings of(String addresses) {
        return of(List.of(addresses.split("\\s*,\\s*")));
    }

    public EtcdSettings withNamespace(String ns) {
        return new EtcdSettings(
                addresses,
                ns,
                leaseTtl,
                username,
                password,
                caFile,
                certFile,
                keyFile,
                limits,
                maxTxnOps,
                requestTimeout,
                housekeepingPeriod);
    }

    public EtcdSettings withLeaseTtl(Duration ttl) {
        return new EtcdSettings(
                addresses,
                namespace,
                ttl,
                username,
                password,
                caFile,
                certFile,
                keyFile,
                limits,
                maxTxnOps,
                requestTimeout,
                housekeepingPeriod);
    }

    public EtcdSettings withCredentials(String user, String pass) {
        return new EtcdSettings(
                addresses,
                namespace,
                leaseTtl,
                user,
                pass,
                caFile,
                certFile,
                keyFile,
                limits,
                maxTxnOps,
                requestTimeout,
                housekeepingPeriod);
    }

    public EtcdSettings withTls(Path ca, Path cert, Path key) {
        return new EtcdSettings(
                addresses,
                namespace,
                leaseTtl,
                username,
                password,
                ca,
                cert,
                key,
                limits,
                maxTxnOps,
                requestTimeout,
                housekeepingPeriod);
    }

    public EtcdSettings withLimits(Limits l) {
        return new EtcdSettings(
                addresses,
                namespace,
                leaseTtl,
                username,
                password,
                caFile,
                certFile,
                keyFile,
                l,
                maxTxnOps,
                requestTimeout,
                housekeepingPeriod);
    }

    public EtcdSettings withMaxTxnOps(int n) {
        return new EtcdSettings(
                addresses,
                namespace,
                leaseTtl,
                username,
                password,
                caFile,
                certFile,
                keyFile,
                limits,
                n,
                requestTimeout,
                housekeepingPeriod);
    }

    public EtcdSettings withRequestTimeout(Duration t) {
        return new EtcdSettings(
                addresses,
                namespace,
                leaseTtl,
                username,
                password,
                caFile,
                certFile,
                keyFile,
                limits,
                maxTxnOps,
                t,
                housekeepingPeriod);
    }

    public EtcdSettings withHousekeepingPeriod(Duration period) {
        return new EtcdSettings(
                addresses,
                namespace,
                leaseTtl,
                username,
                password,
                caFile,
                certFile,
                keyFile,
                limits,
                maxTxnOps,
                requestTimeout,
                period);
    }

    @Override
    public String toString() {
        // Never print the password.
        return "EtcdSettings[addresses=" + addresses + ", namespace=" + namespace + ", leaseTtl=" + leaseTtl
                + ", username=" + username + ", tls=" + (caFile != null || certFile != null) + "]";
    }
}
