package io.adagio.daemon;

import io.adagio.agent.runtime.RuntimeRegistry;
import io.adagio.agent.runtime.exec.ExecEnvironment;
import io.adagio.daemon.SettingsLoader.Source;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads the agent options: which of the installed runtimes the agents offer ({@code -runtimes}),
 * what exec children get ({@code -exec-env-allow}, {@code -exec-work-dir}), and whether finishes
 * claim the node they make ready ({@code -eager-claims}). A mistake is a
 * {@link ConfigException} naming the option and where it was set.
 */
final class AgentOptions {
    private AgentOptions() {}

    static Settings.Agents agents(Map<Option, Source> values) {
        return new Settings.Agents(
                runtimes(values.get(Option.RUNTIMES)),
                execEnvAllow(values.get(Option.EXEC_ENV_ALLOW)),
                execWorkDir(values.get(Option.EXEC_WORK_DIR)),
                SettingsLoader.bool(values.get(Option.EAGER_CLAIMS), Option.EAGER_CLAIMS));
    }

    /** The chosen runtime names, each installed; empty when the option is not set (all installed). */
    private static List<String> runtimes(Source source) {
        if (source == null) {
            return List.of();
        }
        var names = names(source);
        try {
            RuntimeRegistry.discover().only(names);
        } catch (IllegalArgumentException e) {
            throw SettingsLoader.invalid(source, Option.RUNTIMES, e.getMessage());
        }
        return names;
    }

    private static List<String> execEnvAllow(Source source) {
        if (source == null) {
            return List.of();
        }
        var names = names(source);
        for (var name : names) {
            try {
                ExecEnvironment.checkAllowed(name);
            } catch (IllegalArgumentException e) {
                throw SettingsLoader.invalid(source, Option.EXEC_ENV_ALLOW, e.getMessage());
            }
        }
        return names;
    }

    private static Path execWorkDir(Source source) {
        if (source == null || source.value().isBlank()) {
            return null;
        }
        var dir = Path.of(source.value().trim()).toAbsolutePath();
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw SettingsLoader.invalid(source, Option.EXEC_WORK_DIR, "no such writable directory");
        }
        return dir;
    }

    private static List<String> names(Source source) {
        return Arrays.stream(source.value().split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .distinct()
                .toList();
    }
}
