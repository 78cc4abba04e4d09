package io.adagio.agent.runtime.exec;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the executable a command names, as a shell would: a name with a '/' is a path (relative to
 * the working directory), any other is looked up in the directories of {@code PATH}, in order.
 */
final class Executables {
    private Executables() {}

    /**
     * @param path the {@code PATH} the program gets (its own environment's), or null
     * @param dir  the working directory it runs in
     */
    static Optional<Path> find(String command, String path, Path dir) {
        try {
            if (command.contains("/")) {
                var p = dir.resolve(command);
                return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
            }
            if (path == null || path.isEmpty()) {
                return Optional.empty();
            }
            for (var entry : path.split(File.pathSeparator, -1)) {
                // An empty entry means the working directory, as for a shell.
                var candidate = (entry.isEmpty() ? dir : dir.resolve(entry)).resolve(command);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
            return Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }
}
