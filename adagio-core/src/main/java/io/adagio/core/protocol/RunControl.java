package io.adagio.core.protocol;

import io.adagio.core.model.Conclusion;
import io.adagio.core.model.Event;
import io.adagio.core.model.NodeStatus;
import io.adagio.core.model.Result;
import io.adagio.core.model.RunStatus;
import io.adagio.core.repository.RepositoryException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The run-wide transitions: cancel and rerun. Each reads every node once (they are a user's rare
 * requests, never an agent's) and changes only the nodes that change.
 */
final class RunControl {
    /** The output recorded for an orphaned node's lost attempt when its run is cancelled before recovery. */
    static final String ORPHANED_BEFORE_CANCEL_OUTPUT = "node was orphaned, then its run was cancelled";

    private RunControl() {}

    /**
     * Cancels a run. WAITING and READY nodes complete with conclusion CANCELLED and no attempt; an
     * orphaned node completes CANCELLED with its lost attempt recorded CANCELLED; a RUNNING node keeps
     * running, marked {@code cancelRequested}, and NODE_CANCELLED is emitted for its claim: its
     * finish completes it (without retry or readiness), and its orphaning completes it CANCELLED.
     * The run is marked cancelled, so it concludes CANCELLED once every node has completed. A run
     * whose nodes have all completed is left as it is; so is one cancelled already.
     */
    static Step cancel(WholeRun run, Transition.CancelRun t) {
        var changes = new ArrayList<Change>();
        var events = new ArrayList<Event>();
        boolean completed = true;
        for (var name : run.nodes()) {
            var state = run.state(name);
            switch (state.status()) {
                case WAITING, READY -> {
                    completed = false;
                    changes.add(new Change.Update(name, state, state.completedWithout(Conclusion.CANCELLED, t.at())));
                }
                case NONE -> {
                    completed = false;
                    var done = state.withAttempt(
                            Result.cancelled(ORPHANED_BEFORE_CANCEL_OUTPUT),
                            t.at(),
                            NodeStatus.COMPLETED,
                            t.at(),
                            null,
                            Conclusion.CANCELLED,
                            null);
                    changes.add(new Change.Update(name, state, done));
                }
                case RUNNING -> {
                    completed = false;
                    if (!state.cancelRequested()) {
                        changes.add(new Change.Update(name, state, state.askedToStop()));
                        events.add(Event.cancelled(
                                run.runId(), run.spec(name), state.claim().id()));
                    }
                }
                case COMPLETED -> {}
            }
        }
        return new Step(
                null, false, false, changes, events, completed ? Step.CancelMark.UNCHANGED : Step.CancelMark.SET);
    }

    /**
     * Reruns a completed run from its failures: every node whose conclusion is not SUCCESS (FAIL,
     * ERROR, CANCELLED, or NONE for an unreached node) starts a new generation: its attempts are
     * kept, retry rules count afresh, and it is READY with its upstream nodes' outputs when all of
     * them succeeded, else WAITING on those that did not. Successful nodes keep everything. The run's
     * cancelled mark is cleared; NODE_READY is emitted for the ready nodes.
     *
     * @throws RepositoryException.FailedPrecondition when a node of the run has not completed
     */
    static Step rerun(WholeRun run, Transition.RerunRun t) {
        var states = new LinkedHashMap<String, NodeState>();
        boolean started = false;
        for (var name : run.nodes()) {
            var state = run.state(name);
            states.put(name, state);
            started |= !state.attempts().isEmpty()
                    || (state.status() != NodeStatus.WAITING && state.status() != NodeStatus.READY);
        }
        long completed = states.values().stream()
                .filter(s -> s.status() == NodeStatus.COMPLETED)
                .count();
        if (completed < states.size()) {
            var status = Protocol.runStatus(states.size(), completed, started);
            throw new RepositoryException.FailedPrecondition("run \"" + run.runId() + "\" is " + status + ": only a "
                    + RunStatus.COMPLETED + " run can be rerun (cancel it first to stop it)");
        }
        var changes = new ArrayList<Change>();
        var events = new ArrayList<Event>();
        states.forEach((name, state) -> {
            if (state.conclusion() == Conclusion.SUCCESS) {
                return;
            }
            Map<String, byte[]> inputs = new LinkedHashMap<>();
            int missing = 0;
            for (var up : run.upstream(name)) {
                var upstream = states.get(up);
                if (upstream.conclusion() == Conclusion.SUCCESS
                        && !upstream.attempts().isEmpty()) {
                    inputs.put(up, upstream.attempts().getLast().output());
                } else {
                    missing++;
                }
            }
            var after = state.reset(inputs, missing);
            changes.add(new Change.Update(name, state, after));
            if (after.status() == NodeStatus.READY) {
                events.add(Event.ready(run.runId(), run.spec(name)));
            }
        });
        return new Step(null, false, false, changes, events, Step.CancelMark.CLEARED);
    }
}
