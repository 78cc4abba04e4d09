package io.adagio.daemon;

import io.adagio.core.graph.Limits;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything one adagiod process is configured with, after flags, environment, file and defaults
 * have been merged and checked.
 *
 * @param configFile       the TOML file read, or null
 * @param limits           what a run may hold (-max-nodes, -max-edges), enforced by the backend and the API
 * @param maxAttemptsLimit the largest max_attempts a retry rule may ask for, and the most attempts a node records
 */
public record Settings(
        Mode mode,
        BackendType backendType,
        List<String> etcdAddresses,
        String etcdNamespace,
        Etcd etcd,
        Path configFile,
        InetSocketAddress listen,
        Api api,
        int maxAttemptsLimit,
        int agentCount,
        Limits limits,
        String logLevel,
        Duration shutdownGrace,
        Agents agents,
        Housekeeping housekeeping) {

    public Settings {
        etcdAddresses = List.copyOf(etcdAddresses);
    }

    /**
     * What the API process that leads housekeeping does to keep the state bounded.
     *
     * @param retentionMaxAge        completed runs older than this are deleted; zero keeps them
     * @param retentionMaxRuns       completed runs older than the newest this many are deleted; zero keeps them
     * @param retentionInterval      how often the policy is applied
     * @param etcdCompactionInterval how often etcd's history is compacted; zero leaves it to etcd
     * @param etcdQuotaBytes         etcd's quota, which it does not report
     */
    public record Housekeeping(
            Duration retentionMaxAge,
            long retentionMaxRuns,
            Duration retentionInterval,
            Duration etcdCompactionInterval,
            long etcdQuotaBytes) {}

    /**
     * What this process's agents offer and how exec nodes run.
     *
     * @param runtimes     the runtimes the agents offer, checked against the installed ones; empty
     *                     for all installed
     * @param execEnvAllow variables exec children get from adagiod's environment (never {@code ADAGIOD_*})
     * @param execWorkDir  where each exec attempt's working directory is made, or null for the
     *                     system's temporary directory
     * @param eagerClaims  whether an agent's finish claims a node it makes ready, to run it next
     */
    public record Agents(List<String> runtimes, List<String> execEnvAllow, Path execWorkDir, boolean eagerClaims) {
        public Agents {
            runtimes = List.copyOf(runtimes);
            execEnvAllow = List.copyOf(execEnvAllow);
        }
    }

    /**
     * How the API protects itself (the browser protections are always on).
     *
     * @param allowedHosts       host names and addresses accepted besides loopback and the listen address
     * @param corsAllowedOrigins web origins (normalized) or {@code *}; empty for no CORS
     * @param authTokenFile      null, or the file of NAME:TOKEN lines
     * @param tlsCertFile        null for plaintext, or the API's certificate (then tlsKeyFile is set too)
     * @param tlsClientCaFile    null, or the CA of required client certificates (only with TLS)
     * @param insecureNoAuth     whether a non-loopback listen address may go without authentication
     */
    public record Api(
            List<String> allowedHosts,
            List<String> corsAllowedOrigins,
            Path authTokenFile,
            Path tlsCertFile,
            Path tlsKeyFile,
            Path tlsClientCaFile,
            boolean insecureNoAuth) {
        public Api {
            allowedHosts = List.copyOf(allowedHosts);
            corsAllowedOrigins = List.copyOf(corsAllowedOrigins);
        }

        /** Whether callers must prove who they are: a token, or a client certificate. */
        public boolean authenticates() {
            return authTokenFile != null || tlsClientCaFile != null;
        }
    }

    /** Whether the API listens on a loopback address only (where no other machine can reach it). */
    public boolean listensOnLoopback() {
        return listen.getAddress() != null && listen.getAddress().isLoopbackAddress();
    }

    /**
     * The etcd options beyond addresses and namespace.
     *
     * @param username null unless authentication is configured (then the password is set too)
     * @param caFile   null, or the CA of etcd's server certificates
     * @param certFile null, or the client certificate (then keyFile is set too)
     * @param startupWait how long startup waits for etcd to answer before it gives up
     */
    public record Etcd(
            Duration leaseTtl,
            String username,
            String password,
            Path caFile,
            Path certFile,
            Path keyFile,
            Duration startupWait) {
        @Override
        public String toString() {
            // Never print the password.
            return "Etcd[leaseTtl=" + leaseTtl + ", username=" + username + ", password="
                    + (password == null ? "none" : "***") + ", caFile=" + caFile + ", certFile=" + certFile
                    + ", keyFile=" + keyFile + ", startupWait=" + startupWait + "]";
        }
    }
}
