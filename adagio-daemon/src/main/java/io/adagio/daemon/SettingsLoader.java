package io.adagio.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.adagio.agent.runtime.Durations;
import io.adagio.core.graph.Limits;
import io.adagio.server.security.HostPolicy;
import io.adagio.server.security.Origins;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Turns the command line, the environment and the config file into {@link Settings}: for each
 * option the flag wins over the environment variable, which wins over the config file, which wins
 * over the default. Any unknown flag, subcommand, config key or bad value is a {@link ConfigException}
 * naming it and where it came from.
 *
 * <p>Flags are parsed by picocli, declared Go style ({@code -backend-type=etcd},
 * {@code -backend-type etcd}) with the two-dash spelling as an alias; the subcommand is a
 * positional parameter so that options may come before or after it.
 */
public final class SettingsLoader {
    private static final Set<String> LOG_LEVELS = Set.of("off", "error", "warn", "info", "debug", "trace");
    private static final TomlMapper TOML = new TomlMapper();

    /** What the command line asked for: usage, or a run with these settings. */
    public sealed interface Parsed {
        record Help() implements Parsed {}

        record Run(Settings settings) implements Parsed {}
    }

    private SettingsLoader() {}

    public static Parsed load(String[] args, Map<String, String> env) {
        var spec = commandSpec();
        CommandLine.ParseResult parsed;
        try {
            parsed = new CommandLine(spec).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new ConfigException(e.getMessage());
        }
        if (parsed.isUsageHelpRequested()) {
            return new Parsed.Help();
        }
        Mode mode = mode(parsed.matchedPositionalValue(0, (String) null));

        var values = new EnumMap<Option, Source>(Option.class);
        for (var option : Option.values()) {
            if (option.defaultValue() != null) {
                values.put(option, new Source(option.defaultValue(), "the default"));
            }
        }
        // The config file's location comes from the flag or the environment, never from itself.
        Source config = flag(parsed, Option.CONFIG);
        if (config == null && present(env.get(Option.CONFIG.envVar()))) {
            config = new Source(env.get(Option.CONFIG.envVar()), "environment variable " + Option.CONFIG.envVar());
        }
        Path configFile = null;
        if (config != null) {
            configFile = Path.of(config.value());
            values.putAll(readConfigFile(configFile, config.origin()));
            values.put(Option.CONFIG, config);
        }
        for (var option : Option.values()) {
            String value = env.get(option.envVar());
            if (option != Option.CONFIG && present(value)) {
                values.put(option, new Source(value, "environment variable " + option.envVar()));
            }
        }
        for (var option : Option.values()) {
            var flag = flag(parsed, option);
            if (flag != null) {
                values.put(option, flag);
            }
        }
        return new Parsed.Run(settings(mode, values, configFile));
    }

    /** The flags, declared once from {@link Option}; the usage text is written by {@link Usage}. */
    static CommandSpec commandSpec() {
        var spec = CommandSpec.create().name("adagiod");
        spec.parser().posixClusteredShortOptionsAllowed(false).separator("=");
        for (var option : Option.values()) {
            // An on/off option may stand alone (-insecure-no-auth) or take true/false attached or after it.
            spec.addOption(OptionSpec.builder(option.flag(), "-" + option.flag())
                    .paramLabel(option.type())
                    .type(option.isBoolean() ? Boolean.class : String.class)
                    .arity(option.isBoolean() ? "0..1" : "1")
                    .build());
        }
        spec.addOption(
                OptionSpec.builder("-h", "-help", "--help").usageHelp(true).build());
        spec.addPositional(PositionalParamSpec.builder()
                .paramLabel("api|agent")
                .arity("0..1")
                .type(String.class)
                .build());
        return spec;
    }

    private static Mode mode(String subcommand) {
        if (subcommand == null) {
            return Mode.ALL;
        }
        return switch (subcommand) {
            case "api" -> Mode.API;
            case "agent" -> Mode.AGENT;
            default ->
                throw new ConfigException(
                        "unknown subcommand \"" + subcommand + "\": use \"api\", \"agent\" or none (both)");
        };
    }

    private static Source flag(CommandLine.ParseResult parsed, Option option) {
        if (!parsed.hasMatchedOption(option.flag())) {
            return null;
        }
        Object value = parsed.matchedOption(option.flag()).getValue();
        return new Source(String.valueOf(value), "flag " + option.flag());
    }

    private static Map<Option, Source> readConfigFile(Path file, String origin) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file + " (from " + origin + ") does not exist or is not a file");
        }
        JsonNode tree;
        try {
            tree = TOML.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            var where =
                    e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
            throw new ConfigException(
                    "config file " + file + " is not valid TOML" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        var values = new EnumMap<Option, Source>(Option.class);
        var unknown = new ArrayList<String>();
        for (var field : tree.properties()) {
            var option = Option.fromKey(field.getKey()).filter(o -> o != Option.CONFIG);
            if (option.isEmpty()) {
                unknown.add(field.getKey());
                continue;
            }
            String where = "key \"" + field.getKey() + "\" in config file " + file;
            values.put(option.get(), new Source(scalar(field.getValue(), where), where));
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException("unknown key" + (unknown.size() > 1 ? "s " : " ")
                    + unknown.stream().map(k -> "\"" + k + "\"").collect(Collectors.joining(", "))
                    + " in config file " + file + " (known keys: "
                    + Arrays.stream(Option.values())
                            .filter(o -> o != Option.CONFIG)
                            .map(Option::key)
                            .collect(Collectors.joining(", "))
                    + ")");
        }
        return values;
    }

    /** A config value as the flag would spell it; a list of strings becomes a comma-separated string. */
    private static String scalar(JsonNode value, String where) {
        if (value.isTextual() || value.isNumber() || value.isBoolean()) {
            return value.asText();
        }
        if (value.isArray()) {
            var items = new ArrayList<String>();
            for (var item : value) {
                if (!item.isTextual()) {
                    throw new ConfigException(where + ": expected a list of strings, got " + value);
                }
                items.add(item.asText());
            }
            return String.join(",", items);
        }
        throw new ConfigException(where + ": expected a value, got a table");
    }

    private static Settings settings(Mode mode, Map<Option, Source> values, Path configFile) {
        var backend = values.get(Option.BACKEND_TYPE);
        var backendType = BackendType.fromKey(backend.value().trim().toLowerCase(Locale.ROOT))
                .orElseThrow(
                        () -> invalid(backend, Option.BACKEND_TYPE, "unknown backend (use \"memory\" or \"etcd\")"));
        var addresses = Arrays.stream(values.get(Option.ETCD_ADDRESSES).value().split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        if (addresses.isEmpty()) {
            throw invalid(values.get(Option.ETCD_ADDRESSES), Option.ETCD_ADDRESSES, "at least one address is required");
        }
        var namespace = values.get(Option.ETCD_NAMESPACE).value().trim();
        if (namespace.isEmpty()) {
            throw invalid(values.get(Option.ETCD_NAMESPACE), Option.ETCD_NAMESPACE, "must not be empty");
        }
        var level = values.get(Option.LOG_LEVEL);
        if (!LOG_LEVELS.contains(level.value().trim().toLowerCase(Locale.ROOT))) {
            throw invalid(level, Option.LOG_LEVEL, "expected one of error, warn, info, debug, trace, off");
        }
        return new Settings(
                mode,
                backendType,
                addresses,
                namespace,
                etcd(values, addresses),
                configFile,
                listen(values.get(Option.LISTEN)),
                api(values),
                maxAttemptsLimit(values.get(Option.MAX_ATTEMPTS_LIMIT)),
                agentCount(values.get(Option.AGENT_COUNT)),
                Limits.DEFAULT.withGraphSize(
                        atLeast(values.get(Option.MAX_NODES), Option.MAX_NODES, 1),
                        atLeast(values.get(Option.MAX_EDGES), Option.MAX_EDGES, 0)),
                level.value().trim().toLowerCase(Locale.ROOT),
                duration(values.get(Option.SHUTDOWN_GRACE), Option.SHUTDOWN_GRACE),
                AgentOptions.agents(values),
                HousekeepingOptions.housekeeping(values));
    }

    /** The etcd options: lease TTL, credentials and TLS files, each checked, and in pairs where they go in pairs. */
    private static Settings.Etcd etcd(Map<Option, Source> values, List<String> addresses) {
        var ttlSource = values.get(Option.ETCD_LEASE_TTL);
        var ttl = duration(ttlSource, Option.ETCD_LEASE_TTL);
        // etcd grants leases in whole seconds; below 2s heartbeats could not keep up.
        if (ttl.compareTo(Duration.ofSeconds(2)) < 0 || ttl.toNanos() % 1_000_000_000L != 0) {
            throw invalid(ttlSource, Option.ETCD_LEASE_TTL, "expected whole seconds, at least 2s, for example 10s");
        }
        String username = text(values.get(Option.ETCD_USERNAME));
        String password = text(values.get(Option.ETCD_PASSWORD));
        if ((username == null) != (password == null)) {
            throw new ConfigException(Option.ETCD_USERNAME.flag() + " and " + Option.ETCD_PASSWORD.flag()
                    + " go together: "
                    + (username == null
                            ? "a password is set (from "
                                    + values.get(Option.ETCD_PASSWORD).origin() + ") but no user"
                            : "a user is set (from "
                                    + values.get(Option.ETCD_USERNAME).origin() + ") but no password"));
        }
        Path ca = file(values.get(Option.ETCD_CA_FILE), Option.ETCD_CA_FILE);
        Path cert = file(values.get(Option.ETCD_CERT_FILE), Option.ETCD_CERT_FILE);
        Path key = file(values.get(Option.ETCD_KEY_FILE), Option.ETCD_KEY_FILE);
        if ((cert == null) != (key == null)) {
            throw new ConfigException(
                    Option.ETCD_CERT_FILE.flag() + " and " + Option.ETCD_KEY_FILE.flag() + " go together: only "
                            + (cert == null ? Option.ETCD_KEY_FILE.flag() : Option.ETCD_CERT_FILE.flag()) + " is set");
        }
        if (ca != null || cert != null) {
            var plain =
                    addresses.stream().filter(a -> !a.startsWith("https://")).toList();
            if (!plain.isEmpty()) {
                throw new ConfigException(
                        "TLS to etcd (" + (ca != null ? Option.ETCD_CA_FILE.flag() : Option.ETCD_CERT_FILE.flag())
                                + ") needs https:// addresses in " + Option.ETCD_ADDRESSES.flag() + ", got "
                                + String.join(",", plain)
                                + " (from " + values.get(Option.ETCD_ADDRESSES).origin() + ")");
            }
        }
        return new Settings.Etcd(
                ttl, username, password, ca, cert, key, duration(values.get(Option.ETCD_WAIT), Option.ETCD_WAIT));
    }

    /** The API's protections: hosts, origins, token file, TLS files (in pairs where they go in pairs). */
    private static Settings.Api api(Map<Option, Source> values) {
        var hosts = list(values.get(Option.ALLOWED_HOSTS));
        for (var host : hosts) {
            if (!host.equals("*")) {
                try {
                    HostPolicy.checkAllowedHost(host);
                } catch (IllegalArgumentException e) {
                    throw invalid(values.get(Option.ALLOWED_HOSTS), Option.ALLOWED_HOSTS, e.getMessage());
                }
            }
        }
        var origins = new ArrayList<String>();
        for (var origin : list(values.get(Option.CORS_ALLOWED_ORIGINS))) {
            try {
                origins.add(origin.equals("*") ? origin : Origins.normalize(origin));
            } catch (IllegalArgumentException e) {
                throw invalid(values.get(Option.CORS_ALLOWED_ORIGINS), Option.CORS_ALLOWED_ORIGINS, e.getMessage());
            }
        }
        Path tokens = file(values.get(Option.AUTH_TOKEN_FILE), Option.AUTH_TOKEN_FILE);
        Path cert = file(values.get(Option.TLS_CERT_FILE), Option.TLS_CERT_FILE);
        Path key = file(values.get(Option.TLS_KEY_FILE), Option.TLS_KEY_FILE);
        Path clientCa = file(values.get(Option.TLS_CLIENT_CA_FILE), Option.TLS_CLIENT_CA_FILE);
        if ((cert == null) != (key == null)) {
            throw new ConfigException(Option.TLS_CERT_FILE.flag() + " and " + Option.TLS_KEY_FILE.flag()
                    + " go together: only " + (cert == null ? Option.TLS_KEY_FILE.flag() : Option.TLS_CERT_FILE.flag())
                    + " is set");
        }
        if (clientCa != null && cert == null) {
            throw new ConfigException(Option.TLS_CLIENT_CA_FILE.flag() + " needs TLS on the API: set "
                    + Option.TLS_CERT_FILE.flag() + " and " + Option.TLS_KEY_FILE.flag() + " too");
        }
        return new Settings.Api(
                hosts,
                origins,
                tokens,
                cert,
                key,
                clientCa,
                bool(values.get(Option.INSECURE_NO_AUTH), Option.INSECURE_NO_AUTH));
    }

    /** A comma-separated option as its non-empty, trimmed items; empty when unset. */
    private static List<String> list(Source source) {
        if (source == null) {
            return List.of();
        }
        return Arrays.stream(source.value().split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    static boolean bool(Source source, Option option) {
        return switch (source.value().trim().toLowerCase(Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0", "" -> false;
            default -> throw invalid(source, option, "expected true or false");
        };
    }

    private static String text(Source source) {
        return source == null || source.value().isEmpty() ? null : source.value();
    }

    /** An optional file option: absent, or a readable regular file. */
    private static Path file(Source source, Option option) {
        if (source == null || source.value().isBlank()) {
            return null;
        }
        var path = Path.of(source.value().trim());
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw invalid(source, option, "no such readable file");
        }
        return path;
    }

    private static InetSocketAddress listen(Source source) {
        String text = source.value().trim();
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw invalid(source, Option.LISTEN, "expected host:port, for example 127.0.0.1:7890");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw invalid(source, Option.LISTEN, "the port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw invalid(source, Option.LISTEN, "the port must be between 0 and 65535");
        }
        // ":7890" listens on every interface, as in Go.
        return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    private static int agentCount(Source source) {
        return atLeast(source, Option.AGENT_COUNT, 1);
    }

    private static int atLeast(Source source, Option option, int least) {
        try {
            int count = Integer.parseInt(source.value().trim());
            if (count >= least) {
                return count;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(source, option, "expected a whole number of at least " + least);
    }

    private static int maxAttemptsLimit(Source source) {
        try {
            int limit = Integer.parseInt(source.value().trim());
            if (limit >= 1) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(source, Option.MAX_ATTEMPTS_LIMIT, "expected a whole number of at least 1");
    }

    static Duration duration(Source source, Option option) {
        String text = source.value().trim();
        try {
            if (!text.matches("[+-]?\\d+")) {
                var d = Durations.parse(text);
                if (!d.isNegative()) {
                    return d;
                }
            } else if (text.matches("0+")) {
                return Duration.ZERO;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw invalid(source, option, "expected a duration with a unit, for example 10s, 500ms or 1m30s");
    }

    static ConfigException invalid(Source source, Option option, String why) {
        return new ConfigException("invalid value \"" + source.value() + "\" for " + option.flag() + " (from "
                + source.origin() + "): " + why);
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    /** A raw option value and where it was set, so that an error can point at it. */
    record Source(String value, String origin) {}
}
