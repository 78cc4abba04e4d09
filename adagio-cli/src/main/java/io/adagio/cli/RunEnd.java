package io.adagio.cli;

import io.adagio.client.AdagioClient;
import io.adagio.client.RunSummary;
import io.adagio.core.model.Run;
import java.time.Duration;

/** Following a run to its end and exiting by its conclusion: shared by start, rerun and watch. */
final class RunEnd {
    private RunEnd() {}

    /**
     * Follows the run's watch stream with {@code progress} until it completes (or {@code waitFor}
     * passes, 0 for ever), then exits by its conclusion as {@link #exitByConclusion} does.
     */
    static int follow(AdagioClient client, Run run, Duration waitFor, Progress progress) throws Exception {
        Run done;
        try (var ticking = progress.tickEverySecond()) {
            done = client.awaitCompletion(run.id(), waitFor, progress::update);
        }
        progress.finish(done);
        return exitByConclusion(done);
    }

    /** {@link Errors#OK} for a run that succeeded; otherwise a failure naming its conclusion and why. */
    static int exitByConclusion(Run done) {
        var summary = RunSummary.of(done);
        if (summary.succeeded()) {
            return Errors.OK;
        }
        throw new Errors.Failure("run \"" + done.id() + "\" did not succeed (" + summary.conclusion() + "): "
                + Printers.failureText(summary));
    }
}
