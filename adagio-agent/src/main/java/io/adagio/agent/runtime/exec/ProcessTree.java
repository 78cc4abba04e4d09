package io.adagio.agent.runtime.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A program and everything it starts, stopped as one: the program leads a process group of its own
 * (it is started through {@code setsid}), so that a grandchild, even one re-parented when its parent
 * exits ({@code sh -c 'sleep 60 &'}), is signalled with it. Stopping sends SIGTERM to the group and to
 * every descendant, waits a grace for them to exit, then sends SIGKILL to whatever is left.
 *
 * <p>Java has no call to signal a process group, so the group is signalled with {@code kill}; a
 * descendant that left the group (a program that calls setsid itself) is still signalled through
 * {@link ProcessHandle#descendants()} as long as it descends from the program. Without
 * {@code setsid} on the agent's machine the program runs in the agent's group and only its
 * descendants are signalled.
 */
final class ProcessTree {
    private static final Logger log = LoggerFactory.getLogger(ProcessTree.class);
    private static final Path SETSID = firstExecutable("/usr/bin/setsid", "/bin/setsid");
    private static final Path KILL = firstExecutable("/usr/bin/kill", "/bin/kill");
    /** How long a signal sent through {@code kill} may take. */
    private static final Duration SIGNAL_WAIT = Duration.ofSeconds(2);

    private final Process process;
    private final boolean ownGroup;
    /** Every descendant seen so far: one re-parented after it was seen is still signalled. */
    private final LinkedHashSet<ProcessHandle> seen = new LinkedHashSet<>();

    private ProcessTree(Process process, boolean ownGroup) {
        this.process = process;
        this.ownGroup = ownGroup;
    }

    /** Whether programs get a process group of their own here. */
    static boolean groupsAvailable() {
        return SETSID != null && KILL != null;
    }

    /**
     * The command line that runs {@code program} (an executable's path) with {@code args} as the
     * leader of a new process group and session, when this machine can.
     */
    static List<String> commandLine(Path program, List<String> args) {
        var line = new ArrayList<String>();
        if (groupsAvailable()) {
            // --wait: should setsid ever have to fork, it still ends with the program and its status.
            line.add(SETSID.toString());
            line.add("--wait");
        }
        line.add(program.toString());
        line.addAll(args);
        return line;
    }

    /** The tree of a program started with {@link #commandLine}. */
    static ProcessTree of(Process process) {
        return new ProcessTree(process, groupsAvailable());
    }

    /** Asks the program and its tree to stop (SIGTERM); returns at once. */
    void terminate() {
        signal(false);
    }

    /** Stops the program and its tree at once (SIGKILL). */
    void kill() {
        signal(true);
    }

    /**
     * SIGTERM now, then SIGKILL to whatever is still there after {@code grace}; waits (a bounded time,
     * even when interrupted) until the program has exited.
     */
    void stop(Duration grace) {
        terminate();
        boolean interrupted = Thread.interrupted();
        try {
            long deadline = System.nanoTime() + grace.toNanos();
            for (var handle : handles()) {
                while (handle.isAlive()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        handle.onExit().get(left, TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    } catch (ExecutionException | TimeoutException e) {
                        break;
                    }
                }
            }
            if (anyAlive()) {
                kill();
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Every process of the tree seen so far, the program first. */
    List<ProcessHandle> handles() {
        var all = new ArrayList<ProcessHandle>();
        all.add(process.toHandle());
        synchronized (seen) {
            all.addAll(seen);
        }
        return all;
    }

    private boolean anyAlive() {
        look();
        return handles().stream().anyMatch(ProcessHandle::isAlive);
    }

    private void look() {
        var now = process.descendants().toList();
        synchronized (seen) {
            seen.addAll(now);
        }
    }

    private void signal(boolean kill) {
        // Descendants first listed, then the group signalled: a child re-parented meanwhile is kept.
        look();
        if (ownGroup && process.isAlive()) {
            group(kill ? "KILL" : "TERM");
        }
        for (var handle : handles()) {
            if (handle.isAlive()) {
                if (kill) {
                    handle.destroyForcibly();
                } else {
                    handle.destroy();
                }
            }
        }
    }

    /** Signals the program's process group (its id is the program's pid: it leads the group). */
    private void group(String signal) {
        try {
            var kill = new ProcessBuilder(KILL.toString(), "-s", signal, "--", "-" + process.pid())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!kill.waitFor(SIGNAL_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            log.warn("could not signal process group {}: {}", process.pid(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Path firstExecutable(String... candidates) {
        for (var c : candidates) {
            var p = Path.of(c);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
