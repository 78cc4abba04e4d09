package io.adagio.daemon;

import io.adagio.core.graph.Limits;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The options of adagiod, each settable as a flag ({@code -backend-type} or {@code --backend-type}),
 * an environment variable ({@code ADAGIOD_BACKEND_TYPE}) and a key in the TOML config file
 * ({@code backend-type}), all spelled from {@link #key()} (docs/ARCHITECTURE.md, "The daemon").
 */
public enum Option {
    BACKEND_TYPE("backend-type", "string", "backend repository type (\"memory\"|\"etcd\")", "memory"),
    ETCD_ADDRESSES("etcd-addresses", "string", "comma-separated list of etcd node addresses", "http://127.0.0.1:2379"),
    ETCD_NAMESPACE("etcd-namespace", "string", "key prefix of this installation's state in etcd", "adagio"),
    ETCD_LEASE_TTL(
            "etcd-lease-ttl",
            "duration",
            "liveness lease of this process in etcd: a dead agent's nodes are orphaned after at most this long (whole seconds, at least 2s)",
            "10s"),
    ETCD_WAIT(
            "etcd-wait",
            "duration",
            "how long startup waits for etcd to answer, saying every 2s which endpoint fails and why, before it"
                    + " exits 1; a TLS, certificate or credential mistake exits at once; 0 to not wait",
            "60s"),
    ETCD_USERNAME(
            "etcd-username", "string", "etcd user, when etcd has authentication enabled (with -etcd-password)", null),
    ETCD_PASSWORD(
            "etcd-password",
            "string",
            "password of the etcd user (never logged; prefer ADAGIOD_ETCD_PASSWORD or the config file to a flag)",
            null),
    ETCD_CA_FILE(
            "etcd-ca-file",
            "string",
            "PEM file of the CA that signed etcd's server certificates (TLS; use https:// addresses)",
            null),
    ETCD_CERT_FILE(
            "etcd-cert-file",
            "string",
            "PEM client certificate for etcd's client-certificate authentication (with -etcd-key-file)",
            null),
    ETCD_KEY_FILE("etcd-key-file", "string", "PEM (PKCS#8) private key of -etcd-cert-file", null),
    ETCD_COMPACTION_INTERVAL(
            "etcd-compaction-interval",
            "duration",
            "how often the API process that leads housekeeping compacts etcd's history, keeping one interval of"
                    + " it; 0 when etcd compacts itself (its --auto-compaction-retention)",
            "5m"),
    ETCD_QUOTA_BYTES(
            "etcd-quota-bytes",
            "size",
            "etcd's --quota-backend-bytes (etcd does not report it): etcd's size is reported and warned about"
                    + " (above 80%) against it; bytes, or with KiB, MiB, GiB",
            "2GiB"),
    CONFIG("config", "string", "location of config toml file", null),
    LISTEN(
            "listen",
            "string",
            "address the API listens on (gRPC, HTTP/JSON and UI on one port); a non-loopback address needs -auth-token-file or -tls-client-ca-file",
            "127.0.0.1:7890"),
    ALLOWED_HOSTS(
            "allowed-hosts",
            "string",
            "comma-separated host names and addresses the API answers to besides loopback and the listen address (protection against DNS rebinding; * for any)",
            null),
    CORS_ALLOWED_ORIGINS(
            "cors-allowed-origins",
            "string",
            "comma-separated web origins (scheme://host[:port]) whose pages may call the API, or * for any (CORS; default: only the UI adagiod serves)",
            null),
    AUTH_TOKEN_FILE(
            "auth-token-file",
            "string",
            "file of NAME:TOKEN lines: every API call must carry one as 'Authorization: Bearer TOKEN' (read again when it changes and on SIGHUP)",
            null),
    TLS_CERT_FILE(
            "tls-cert-file",
            "string",
            "PEM certificate (chain) of the API: serve gRPC, HTTP/JSON, UI, health and metrics over TLS only (with -tls-key-file)",
            null),
    TLS_KEY_FILE("tls-key-file", "string", "PEM (PKCS#8) private key of -tls-cert-file", null),
    TLS_CLIENT_CA_FILE(
            "tls-client-ca-file",
            "string",
            "PEM CA certificate(s): API calls need a client certificate signed by it (mutual TLS; its subject is the caller's name)",
            null),
    INSECURE_NO_AUTH(
            "insecure-no-auth",
            "bool",
            "serve the API on a non-loopback -listen address without authentication (anyone who reaches the port can run commands; warned about every hour)",
            "false"),
    MAX_ATTEMPTS_LIMIT(
            "max-attempts-limit",
            "int",
            "the largest max_attempts a retry rule may ask for, and the most attempts a node records in all",
            "100"),
    AGENT_COUNT("agent-count", "int", "number of agents: nodes the agent pool executes at once", "5"),
    EAGER_CLAIMS(
            "eager-claims",
            "bool",
            "an agent with nothing else waiting has its finish claim a node it makes ready, and runs it next"
                    + " (false: every node is claimed from its NODE_READY event)",
            "true"),
    RUNTIMES(
            "runtimes",
            "string",
            "comma-separated runtimes this process's agents offer, e.g. \"debug\": nodes of any other runtime wait"
                    + " for another agent (default: all installed)",
            null),
    EXEC_ENV_ALLOW(
            "exec-env-allow",
            "string",
            "comma-separated environment variables exec nodes get from adagiod's environment, on top of PATH, HOME,"
                    + " LANG, TZ and TMPDIR (never ADAGIOD_*)",
            null),
    EXEC_WORK_DIR(
            "exec-work-dir",
            "string",
            "directory in which each exec attempt gets a fresh working directory, removed afterwards"
                    + " (default: the system's temporary directory)",
            null),
    MAX_NODES(
            "max-nodes",
            "int",
            "most nodes a run may have: bigger specs are refused with RESOURCE_EXHAUSTED",
            String.valueOf(Limits.DEFAULT.maxNodes())),
    MAX_EDGES(
            "max-edges",
            "int",
            "most edges a run may have: bigger specs are refused with RESOURCE_EXHAUSTED",
            String.valueOf(Limits.DEFAULT.maxEdges())),
    LOG_LEVEL("log-level", "string", "log level (\"error\"|\"warn\"|\"info\"|\"debug\"|\"trace\")", "info"),
    SHUTDOWN_GRACE(
            "shutdown-grace",
            "duration",
            "how long running nodes may finish on shutdown before they are recorded as ERROR",
            "10s"),
    RETENTION_MAX_AGE(
            "retention-max-age",
            "duration",
            "completed runs older than this are deleted (for example 7d, 36h); 0 keeps them whatever their age",
            "30d"),
    RETENTION_MAX_RUNS(
            "retention-max-runs",
            "int",
            "completed runs older than the newest this many runs are deleted, oldest first; 0 keeps any number",
            "10000"),
    RETENTION_INTERVAL(
            "retention-interval",
            "duration",
            "how often the API process that leads housekeeping applies the retention policy",
            "10s");

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

    /** Whether this is an on/off option: {@code -insecure-no-auth} alone means true, {@code =false} too is accepted. */
    public boolean isBoolean() {
        return type.equals("bool");
    }

    /** The default as the user would write it, or null when there is none. */
    public String defaultValue() {
        return defaultValue;
    }

    public static Optional<Option> fromKey(String key) {
        return Arrays.stream(values()).filter(o -> o.key.equals(key)).findFirst();
    }
}
