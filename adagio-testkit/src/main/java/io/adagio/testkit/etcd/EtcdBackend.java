package io.adagio.testkit.etcd;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an {@code adagiod} reaches an etcd: the etcd backend at some addresses, under a namespace, with
 * a lease TTL, given either as the {@code ADAGIOD_*} environment an operator's unit file would set
 * ({@link #env()}) or as flags ({@link #flags()}), for {@link io.adagio.testkit.AdagiodProcess}:
 * <pre>{@code
 * var env = EtcdBackend.of(etcd).namespace("e2e").leaseTtl(Duration.ofSeconds(3)).env();
 * try (var api = AdagiodProcess.start(List.of("api", "-listen", "127.0.0.1:0"), env);
 *         var agent = AdagiodProcess.start(List.of("agent"), env)) { ... }
 * }</pre>
 * Immutable: one value serves every process a test starts. What is not set is left to adagiod's
 * defaults (namespace {@code adagio}, its default lease TTL).
 */
public final class EtcdBackend {
    private final String addresses;
    private final String namespace;
    private final Duration leaseTtl;

    private EtcdBackend(String addresses, String namespace, Duration leaseTtl) {
        this.addresses = addresses;
        this.namespace = namespace;
        this.leaseTtl = leaseTtl;
    }

    /** The etcd at these comma-separated client URLs (which need not be there, to test adagiod without it). */
    public static EtcdBackend at(String addresses) {
        if (addresses == null || addresses.isBlank()) {
            throw new IllegalArgumentException("no etcd addresses");
        }
        return new EtcdBackend(addresses, null, null);
    }

    /** The members of this cluster. */
    public static EtcdBackend of(EtcdCluster cluster) {
        return at(cluster.clientUrlsCsv());
    }

    /** The key prefix of this installation's state in etcd. */
    public EtcdBackend namespace(String name) {
        return new EtcdBackend(addresses, name, leaseTtl);
    }

    /** The TTL of the agents' and APIs' leases: whole seconds, as adagiod requires. */
    public EtcdBackend leaseTtl(Duration ttl) {
        if (ttl.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("adagiod takes a lease TTL in whole seconds, not " + ttl);
        }
        return new EtcdBackend(addresses, namespace, ttl);
    }

    /** As environment variables ({@code ADAGIOD_BACKEND_TYPE=etcd}, {@code ADAGIOD_ETCD_ADDRESSES}, ...). */
    public Map<String, String> env() {
        var env = new LinkedHashMap<String, String>();
        env.put("ADAGIOD_BACKEND_TYPE", "etcd");
        env.put("ADAGIOD_ETCD_ADDRESSES", addresses);
        if (namespace != null) {
            env.put("ADAGIOD_ETCD_NAMESPACE", namespace);
        }
        if (leaseTtl != null) {
            env.put("ADAGIOD_ETCD_LEASE_TTL", seconds(leaseTtl));
        }
        return Map.copyOf(env);
    }

    /** As flags ({@code -backend-type etcd -etcd-addresses ...}). */
    public List<String> flags() {
        var flags = new ArrayList<>(List.of("-backend-type", "etcd", "-etcd-addresses", addresses));
        if (namespace != null) {
            flags.addAll(List.of("-etcd-namespace", namespace));
        }
        if (leaseTtl != null) {
            flags.addAll(List.of("-etcd-lease-ttl", seconds(leaseTtl)));
        }
        return List.copyOf(flags);
    }

    private static String seconds(Duration ttl) {
        return ttl.toSeconds() + "s";
    }

    @Override
    public String toString() {
        return "etcd backend " + String.join(" ", flags());
    }
}
