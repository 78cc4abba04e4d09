package io.adagio.daemon;

import io.adagio.agent.runtime.RuntimeRegistry;
import io.adagio.agent.runtime.exec.ExecRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The runtimes this process's agents offer: the installed ones, narrowed and configured by the settings. */
final class AgentRuntimes {
    private static final Logger log = LoggerFactory.getLogger(AgentRuntimes.class);

    private AgentRuntimes() {}

    /**
     * The installed runtimes ({@code ServiceLoader}), only those {@code -runtimes} names if it is
     * set, with exec configured by {@code -exec-env-allow} and {@code -exec-work-dir}.
     *
     * @throws ConfigException when a setting does not fit what is installed
     */
    static RuntimeRegistry registry(Settings.Agents agents) {
        try {
            var registry = RuntimeRegistry.discover();
            if (!agents.runtimes().isEmpty()) {
                registry = registry.only(agents.runtimes());
            }
            // A custom runtime that took the name "exec" is left as it is.
            if (registry.get(ExecRuntime.NAME).orElse(null) instanceof ExecRuntime) {
                var exec = ExecRuntime.builder().allowEnvironment(agents.execEnvAllow());
                if (agents.execWorkDir() != null) {
                    exec.workRoot(agents.execWorkDir());
                }
                var runtime = exec.build();
                registry = registry.with(runtime);
                // Names only: the values may be secrets the operator chose to pass on.
                log.info(
                        "exec nodes get {} from adagiod's environment (and their own env entries) and run in fresh"
                                + " directories under {}",
                        runtime.environment().inherited().keySet(),
                        runtime.workRoot());
            }
            return registry;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
