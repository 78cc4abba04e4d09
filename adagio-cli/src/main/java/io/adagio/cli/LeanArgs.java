package io.adagio.cli;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A command line the lean path can run, read without picocli: one of {@link #COMMANDS}, its
 * options, and {@code -host} and {@code -token-file} anywhere. It reads only the plainest command
 * lines (each option once, spelled as {@code -name value}, {@code -name=value} or with two dashes)
 * and refuses (null) everything else: help, an unknown word or option, {@code @files}, {@code --},
 * TLS options. picocli then reads those, with its messages and exit codes.
 *
 * @param command the command's words, as in {@link #COMMANDS}
 * @param host    the -host value, or null
 * @param tokenFile the -token-file value, or null
 * @param options the command's options by their first name ({@code -limit}, {@code -o}, ...)
 */
record LeanArgs(String command, String host, String tokenFile, Map<String, String> options) {
    static final String RUNS_LS = "runs ls";
    static final String STATS = "stats";
    static final String AGENTS_LS = "agents ls";

    /** The commands and their spellings. */
    private static final Map<String, String> COMMANDS = Map.of(
            "runs ls", RUNS_LS, "runs list", RUNS_LS, "stats", STATS, "agents ls", AGENTS_LS, "agents list", AGENTS_LS);

    /** Each command's options: every spelling to its first name (as the picocli commands declare them). */
    private static final Map<String, Map<String, String>> OPTIONS = Map.of(
            RUNS_LS,
            names(
                    List.of("-limit", "--limit"),
                    List.of("-since", "--since", "-finish", "--finish"),
                    List.of("-until", "--until", "-start", "--start"),
                    List.of("-o", "-output", "--output")),
            STATS,
            names(List.of("-o", "-output", "--output")),
            AGENTS_LS,
            names(List.of("-o", "-output", "--output")));

    private static final Map<String, String> GLOBAL =
            names(List.of("-host", "--host"), List.of("-token-file", "--token-file"));

    @SafeVarargs
    private static Map<String, String> names(List<String>... options) {
        var names = new HashMap<String, String>();
        for (var spellings : options) {
            spellings.forEach(n -> names.put(n, spellings.getFirst()));
        }
        return Map.copyOf(names);
    }

    /** The command line read, or null when picocli should read it. */
    static LeanArgs parse(String[] args) {
        var words = new StringBuilder();
        String command = null;
        var global = new HashMap<String, String>();
        var options = new HashMap<String, String>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.isEmpty() || arg.startsWith("@") || arg.equals("-") || arg.equals("--")) {
                return null;
            }
            if (!arg.startsWith("-")) {
                if (command != null) {
                    return null; // a parameter the command does not take
                }
                words.append(words.isEmpty() ? "" : " ").append(arg);
                command = COMMANDS.get(words.toString());
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            String globalName = GLOBAL.get(name);
            String optionName = command == null ? null : OPTIONS.get(command).get(name);
            if (globalName == null && optionName == null) {
                return null;
            }
            String value;
            if (eq >= 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("-") && !args[i + 1].startsWith("@")) {
                value = args[++i];
            } else {
                return null;
            }
            var into = globalName != null ? global : options;
            if (into.put(globalName != null ? globalName : optionName, value) != null) {
                return null; // given twice: picocli says so
            }
        }
        if (command == null) {
            return null;
        }
        return new LeanArgs(command, global.get("-host"), global.get("-token-file"), Map.copyOf(options));
    }
}
