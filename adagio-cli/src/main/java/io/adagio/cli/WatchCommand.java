package io.adagio.cli;

import io.adagio.client.AdagioClient;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunStatus;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code adagio runs watch ID}: follows a run live through the API's Watch stream until it
 * completes. On a terminal, a table of its nodes redrawn in place; otherwise one line per node
 * change. Exits 0 if the run succeeded, 1 if it did not (or the watch broke).
 */
@Command(
        name = "watch",
        description = "Follow a run live until it completes; exit 0 only if it succeeded.",
        footer = {
            "",
            "On a terminal the run's nodes are shown as a table that updates in place;",
            "when output goes to a pipe or a file, each change is one line.",
            "Example: adagio runs watch 01JXYZ..."
        })
final class WatchCommand extends CommandBase {
    @Parameters(paramLabel = "ID", description = "The run's ID.")
    String id;

    @Override
    public Integer call() {
        try (AdagioClient client = root().client();
                var updates = client.watch(id)) {
            Run last = null;
            if (Terminal.isInteractive()) {
                int[] size = Terminal.size();
                var table = new LiveTable(out(), size[0], size[1]);
                var restore = Thread.ofPlatform().unstarted(() -> table.leave(false));
                Runtime.getRuntime().addShutdownHook(restore);
                var ticker = Executors.newSingleThreadScheduledExecutor(
                        r -> Thread.ofPlatform().daemon().name("adagio-watch").unstarted(r));
                ticker.scheduleAtFixedRate(table::tick, 1, 1, TimeUnit.SECONDS);
                try {
                    while (updates.hasNext()) {
                        last = updates.next().run();
                        table.show(last);
                    }
                } finally {
                    ticker.shutdownNow();
                    table.leave(true);
                    removeHook(restore);
                }
            } else {
                var lines = new ChangeLines(out());
                while (updates.hasNext()) {
                    var update = updates.next();
                    last = update.run();
                    if (update.first()) {
                        lines.start(last);
                    } else {
                        lines.changed(update.changed());
                    }
                }
            }
            if (last == null || last.status() != RunStatus.COMPLETED) {
                throw new Errors.Failure("the watch of run \"" + id + "\" ended before the run completed");
            }
            Progress.forConsole(out()).finish(last);
            return RunEnd.exitByConclusion(last);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already: the hook runs, harmlessly
        }
    }
}
