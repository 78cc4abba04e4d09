package io.adagio.conformance;

import io.adagio.core.model.Claim;
import io.adagio.core.repository.Repository;
import io.adagio.core.repository.Subscription;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The protocol as every repository backend must keep it. A backend's test extends this class and
 * says only how to make a fresh, empty repository (reading time from the clock it is given) and how
 * to make the holder of a claim lose its liveness; everything else is checked by the contract
 * interfaces it runs, unchanged for every backend: {@link RunContract}, {@link ClaimContract}, {@link NextClaimContract},
 * {@link RetryContract}, {@link OrphanContract}, {@link ListingContract}, {@link RequestContract},
 * {@link DeleteContract}, and run control: {@link AttemptDetailsContract}, {@link BackoffContract}, {@link CancelContract},
 * {@link RerunContract}; and {@link WatchContract}.
 *
 * <p>Backends may deliver events and orphan claims asynchronously (an etcd watch, a lease that runs
 * out), so the suite waits for those with generous deadlines, never with sleeps. Within one test,
 * at most one node is RUNNING when a claim is orphaned, so a backend whose orphaning takes every
 * claim of a liveness lease with it passes unchanged.
 */
public abstract class RepositoryConformanceSuite
        implements RunContract,
                ClaimContract,
                NextClaimContract,
                RetryContract,
                OrphanContract,
                ListingContract,
                RequestContract,
                DeleteContract,
                AttemptDetailsContract,
                BackoffContract,
                CancelContract,
                RerunContract,
                WatchContract {

    private Repository repository;
    private TestClock clock;
    private final List<Subscription> subscriptions = Collections.synchronizedList(new ArrayList<>());

    /**
     * A fresh repository holding no runs and no agents, whose every time (runs created, attempts
     * claimed and finished, backoffs) comes from {@code clock}; called before every test.
     */
    protected abstract Repository createRepository(InstantSource clock);

    /**
     * Makes whoever holds {@code claim} on the node lose its liveness, as if its agent had died. The
     * node must then (possibly after a while) read NONE and NODE_ORPHANED be emitted.
     */
    @Override
    public abstract void orphan(Repository repository, String runId, String node, Claim claim);

    @BeforeEach
    final void createFreshRepository() {
        clock = new TestClock();
        repository = createRepository(clock);
    }

    @AfterEach
    final void closeRepository() {
        for (var s : List.copyOf(subscriptions)) {
            s.close();
        }
        if (repository != null) {
            repository.close();
        }
    }

    @Override
    public final Repository repository() {
        return repository;
    }

    @Override
    public final TestClock clock() {
        return clock;
    }

    @Override
    public final Subscription closeAfterTest(Subscription subscription) {
        subscriptions.add(subscription);
        return subscription;
    }
}
