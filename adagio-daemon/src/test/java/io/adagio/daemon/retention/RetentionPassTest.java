package io.adagio.daemon.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.core.model.Claim;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.model.NodeSpec;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.model.RunQuery;
import io.adagio.core.model.RunStatus;
import io.adagio.memory.MemoryRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One retention pass over a memory repository: what goes, what stays, and what is never touched. */
class RetentionPassTest {
    private final MemoryRepository repository = new MemoryRepository();

    @AfterEach
    void close() {
        repository.close();
    }

    private String start() {
        return repository
                .startRun(new GraphSpec(List.of(new NodeSpec("only", "debug")), List.of()))
                .id();
    }

    private String completed() {
        var id = start();
        var claim = new Claim("claim-" + id);
        repository.claimNode(id, "only", claim);
        repository.finishNode(id, "only", Result.success("done"), claim);
        return id;
    }

    private List<String> listed() {
        return repository.listRuns(RunQuery.ALL).stream().map(Run::id).toList();
    }

    @Test
    void maxRunsKeepsTheNewestAndNeverARunningOne() {
        var ids = new ArrayList<String>();
        for (int i = 0; i < 600; i++) {
            ids.add(i == 3 || i == 590 ? start() : completed());
        }
        var firstCreated = repository.inspectRun(ids.get(0)).createdAt();
        var lastDeletedCreated = repository.inspectRun(ids.get(549)).createdAt();
        var outcome = RetentionPass.apply(repository, new RetentionPolicy(Duration.ZERO, 50), Instant.now());

        // The oldest 550 runs are over the count: 549 are deleted, the one still running stays.
        assertThat(outcome.deleted()).isEqualTo(549);
        assertThat(outcome.stillRunning()).isEqualTo(1);
        var kept = listed();
        assertThat(kept).hasSize(51).contains(ids.get(3), ids.get(590));
        assertThat(kept).containsAll(ids.subList(550, 600));
        assertThat(outcome.oldest()).isEqualTo(firstCreated);
        assertThat(outcome.newest()).isEqualTo(lastDeletedCreated);
        assertThat(repository.stats().runCount()).isEqualTo(51);

        var again = RetentionPass.apply(repository, new RetentionPolicy(Duration.ZERO, 50), Instant.now());
        assertThat(again.deleted()).isZero();
        assertThat(again.stillRunning()).isEqualTo(1);
    }

    @Test
    void maxAgeDeletesCompletedRunsOlderThanIt() {
        var old = List.of(completed(), completed(), start());
        var newer = completed();
        var created = repository.inspectRun(newer).createdAt();
        // Looked at 1h after the newer run: the older ones are more than 1h old, it is not.
        var outcome = RetentionPass.apply(
                repository, new RetentionPolicy(Duration.ofHours(1), 0), created.plus(Duration.ofHours(1)));
        assertThat(outcome.deleted()).isEqualTo(2);
        assertThat(listed()).containsExactly(newer, old.get(2));
        assertThat(repository.inspectRun(old.get(2)).status()).isNotEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void aDisabledPolicyTouchesNothing() {
        for (int i = 0; i < 5; i++) {
            completed();
        }
        assertThat(RetentionPass.apply(
                        repository, RetentionPolicy.NONE, Instant.now().plus(Duration.ofDays(999))))
                .isEqualTo(RetentionPass.Outcome.NOTHING);
        assertThat(listed()).hasSize(5);
        assertThat(RetentionPolicy.NONE.describe()).isEqualTo("none");
        assertThat(new RetentionPolicy(Duration.ofDays(30), 10_000).describe())
                .isEqualTo("max-age 30d, max-runs 10000");
        assertThat(new RetentionPolicy(Duration.ofHours(36), 0).describe()).isEqualTo("max-age 36h0m0s, no max-runs");
    }
}
