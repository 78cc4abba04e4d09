package io.adagio.agent.runtime.exec;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The environment of an {@code exec} child, built from nothing rather than inherited, so that a
 * workload never sees the agent's secrets (an etcd password in {@code ADAGIOD_ETCD_PASSWORD}, an
 * API token, cloud credentials):
 *
 * <ol>
 *   <li>{@link #BASE} variables ({@code PATH}, {@code HOME}, {@code LANG}, {@code TZ},
 *       {@code TMPDIR}), copied from the agent's environment where set;</li>
 *   <li>the variables the operator allows ({@code adagiod -exec-env-allow NAME,...}), copied from
 *       the agent's environment where set;</li>
 *   <li>the node's own {@code NAME=VALUE} entries (metadata {@code adagio.arguments.exec.env}),
 *       which override the two above;</li>
 *   <li>{@link #RUN_ID}, {@link #NODE} and {@link #ATTEMPT}, set by the agent.</li>
 * </ol>
 *
 * <p>No {@code ADAGIOD_*} variable (adagiod's own configuration) ever reaches a child: the
 * operator may not allow one and a node may not set one. Instances are immutable.
 */
public final class ExecEnvironment {
    /** Variables every child gets from the agent's environment, when the agent has them. */
    public static final List<String> BASE = List.of("PATH", "HOME", "LANG", "TZ", "TMPDIR");
    /** The id of the run the node belongs to. */
    public static final String RUN_ID = "ADAGIO_RUN_ID";
    /** The node's name. */
    public static final String NODE = "ADAGIO_NODE";
    /** The attempt's number, counting from 1. */
    public static final String ATTEMPT = "ADAGIO_ATTEMPT";

    private static final Set<String> SET_BY_AGENT = Set.of(RUN_ID, NODE, ATTEMPT);
    /** adagiod's configuration (and secrets) live in variables with this prefix. */
    private static final String DAEMON_PREFIX = "ADAGIOD_";
    /** POSIX's portable names: what shells can read back. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Map<String, String> inherited;

    private ExecEnvironment(Map<String, String> inherited) {
        this.inherited = Collections.unmodifiableMap(inherited);
    }

    /**
     * The base variables and those named in {@code allowed}, copied from {@code source} (the
     * agent's environment) now; a name {@code source} does not hold is left out.
     *
     * @throws IllegalArgumentException for a name that is not a variable name, is adagiod's own
     *                                  ({@code ADAGIOD_*}) or is set by the agent
     */
    public static ExecEnvironment of(Collection<String> allowed, Map<String, String> source) {
        var inherited = new LinkedHashMap<String, String>();
        for (var name : BASE) {
            copy(source, name, inherited);
        }
        for (var name : allowed) {
            checkAllowed(name);
            copy(source, name, inherited);
        }
        return new ExecEnvironment(inherited);
    }

    /**
     * Checks a name an operator allows children to see.
     *
     * @throws IllegalArgumentException saying why the name cannot be allowed
     */
    public static void checkAllowed(String name) {
        var problem = problemWith(name);
        if (problem != null) {
            throw new IllegalArgumentException("cannot pass \"" + name + "\" to exec children: " + problem);
        }
    }

    /** What the agent's environment gives every child (before the node's entries and the agent's own). */
    public Map<String, String> inherited() {
        return inherited;
    }

    /**
     * Reads a node's {@code NAME=VALUE} entries.
     *
     * @throws IllegalArgumentException naming the first entry that is malformed, sets a name twice,
     *                                  or sets a variable a node may not set
     */
    static Map<String, String> parseEntries(List<String> entries) {
        var parsed = new LinkedHashMap<String, String>();
        for (var entry : entries) {
            int eq = entry.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("\"" + entry + "\" is not NAME=VALUE");
            }
            var name = entry.substring(0, eq);
            var problem = problemWith(name);
            if (problem != null) {
                throw new IllegalArgumentException("cannot set \"" + name + "\": " + problem);
            }
            var value = entry.substring(eq + 1);
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("the value of \"" + name + "\" contains a NUL character");
            }
            if (parsed.put(name, value) != null) {
                throw new IllegalArgumentException("\"" + name + "\" is set twice");
            }
        }
        return Collections.unmodifiableMap(parsed);
    }

    /** The whole environment of one attempt's child. */
    Map<String, String> forAttempt(Map<String, String> nodeEntries, String runId, String node, int attempt) {
        var env = new LinkedHashMap<>(inherited);
        env.putAll(nodeEntries);
        env.put(RUN_ID, runId);
        env.put(NODE, node);
        env.put(ATTEMPT, Integer.toString(attempt));
        return env;
    }

    private static String problemWith(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            return "not a variable name (letters, digits and _, not starting with a digit)";
        }
        // Case-insensitively: nothing that even looks like adagiod's configuration.
        if (name.toUpperCase(Locale.ROOT).startsWith(DAEMON_PREFIX)) {
            return DAEMON_PREFIX + "* variables are adagiod's configuration and never reach a workload";
        }
        if (SET_BY_AGENT.contains(name)) {
            return "the agent sets it for every attempt";
        }
        return null;
    }

    private static void copy(Map<String, String> source, String name, Map<String, String> into) {
        var value = source.get(name);
        if (value != null) {
            into.put(name, value);
        }
    }

    @Override
    public String toString() {
        // Names only: the values may be secrets the operator chose to pass on.
        return "ExecEnvironment" + inherited.keySet();
    }
}
