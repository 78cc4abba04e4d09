package io.adagio.daemon;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything one adagiod process is configured with, after flags, environment, file and defaults
 * have been merged and checked.
 *
 * @param configFile the TOML file read, or null
 */
public record Settings(
        Mode mode,
        BackendType backendType,
        List<String> etcdAddresses,
        String etcdNamespace,
        Etcd etcd,
        Path configFile,
        InetSocketAddress listen,
        int agentCount,
        String logLevel,
        Duration shutdownGrace,
        Agents agents) {

    public Settings {
        etcdAddresses = List.copyOf(etcdAddresses);
    }

    /**
     * What this process's agents offer and how exec nodes run.
     *
     * @param runtimes     the runtimes the agents offer, checked against the installed ones; empty
     *                     for all installed
     * @param execEnvAllow variables exec children get from adagiod's environment (never {@code ADAGIOD_*})
     * @param execWorkDir  where each exec attempt's working directory is made, or null for the
     *                     system's temporary directory
     */
    public record Agents(List<String> runtimes, List<String> execEnvAllow, Path execWorkDir) {
        public Agents {
            runtimes = List.copyOf(runtimes);
            execEnvAllow = List.copyOf(execEnvAllow);
        }
    }

    /**
     * The etcd options beyond addresses and namespace.
     *
     * @param username null unless authentication is configured (then the password is set too)
     * @param caFile   null, or the CA of etcd's server certificates
     * @param certFile null, or the client certificate (then keyFile is set too)
     */
    public record Etcd(Duration leaseTtl, String username, String password, Path caFile, Path certFile, Path keyFile) {
        @Override
        public String toString() {
            // Never print the password.
            return "Etcd[leaseTtl=" + leaseTtl + ", username=" + username + ", password="
                    + (password == null ? "none" : "***") + ", caFile=" + caFile + ", certFile=" + certFile
                    + ", keyFile=" + keyFile + "]";
        }
    }
}
