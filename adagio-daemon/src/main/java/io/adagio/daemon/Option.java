package io.adagio.daemon;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The options of adagiod, each settable as a flag ({@code -backend-type} or {@code --backend-type}),
 * an environment variable ({@code ADAGIOD_BACKEND_TYPE}) and a key in the TOML config file
 * ({@code backend-type}), all spelled from {@link #key()} (DESIGN §7).
 */
public enum Option {
    BACKEND_TYPE("backend-type", "string", "backend repository type (\"memory\"|\"etcd\")", "memory"),
    ETCD_ADDRESSES("etcd-addresses", "string", "comma-separated list of etcd node addresses", "http://127.0.0.1:2379"),
    ETCD_NAMESPACE("etcd-namespace", "string", "key prefix of this installation's state in etcd", "adagio"),
    CONFIG("config", "string", "location of config toml file", null),
    LISTEN("listen", "string", "address the API listens on (gRPC, HTTP/JSON and UI on one port)", "127.0.0.1:7890"),
    AGENT_COUNT("agent-count", "int", "number of agents: nodes the agent pool executes at once", "5"),
    LOG_LEVEL("log-level", "string", "log level (\"error\"|\"warn\"|\"info\"|\"debug\"|\"trace\")", "info"),
    SHUTDOWN_GRACE("shutdown-grace", "duration", "how long running nodes may finish on shutdown before they are recorded as ERROR", "10s");

    private final String key;
    private final String type;
    private final String description;
    private final String defaultValue;

    Option(String key, String type, String description, String defaultValue) {
        this.key = key;
        this.type = type;
        this.description = description;
        this.defaultValue = defaultValue;
    }

    /** The name in the config file; the flag is {@code -key}, the variable {@link #envVar()}. */
    public String key() {
        return key;
    }

    public String flag() {
        return "-" + key;
    }

    public String envVar() {
        return "ADAGIOD_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    public String type() {
        return type;
    }

    public String description() {
        return description;
    }

    /** The default as the user would write it, or null when there is none. */
    public String defaultValue() {
        return defaultValue;
    }

    public static Optional<Option> fromKey(String key) {
        return Arrays.stream(values()).filter(o -> o.key.equals(key)).findFirst();
    }
}
