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
        Path configFile,
        InetSocketAddress listen,
        int agentCount,
        String logLevel,
        Duration shutdownGrace) {

    public Settings {
        etcdAddresses = List.copyOf(etcdAddresses);
    }
}
