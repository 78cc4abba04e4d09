package io.adagio.etcd;

import static io.adagio.etcd.Keys.text;

import io.etcd.jetcd.KeyValue;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Claims of this instance that nothing here holds any more: a claim key on this instance's lease
 * whose node no claim held here names (no execution runs it, no finish of it is pending), seen so
 * unchanged at sweeps at least {@link #MIN_AGE} apart. Such a node would stay RUNNING for as long as
 * this process lives, since its lease is renewed and the sweeper orphans only nodes whose claim key
 * is gone. A hand-over that failed after its commit applied leaves one (docs/ARCHITECTURE.md,
 * "Liveness", stranded claims); the sweeper releases it, and the node is orphaned and retried by its
 * rule.
 */
final class StrandedClaims {
    /**
     * How long a claim must have been seen unheld: far longer than a hand-over takes (the commit's
     * answer to the held entry), and sweeps can come in quick succession (instances ending together).
     */
    static final Duration MIN_AGE = Duration.ofSeconds(5);

    private record Suspect(long modRevision, Instant since) {}

    private final LongSupplier ownLease;
    private final Supplier<Set<String>> held;
    private final InstantSource clock;
    /** Claim refs ({@code run/node}) seen unheld at the last sweep. */
    private Map<String, Suspect> suspects = Map.of();

    /**
     * @param ownLease this instance's live lease, or 0
     * @param held     the nodes of the claims held here, as {@code run/node}
     */
    StrandedClaims(LongSupplier ownLease, Supplier<Set<String>> held, InstantSource clock) {
        this.ownLease = ownLease;
        this.held = held;
        this.clock = clock;
    }

    /**
     * The claims to release now, from the claim keys one sweep read (keys only): ref ({@code
     * run/node}) to the mod revision of its claim key.
     */
    synchronized Map<String, Long> stranded(List<KeyValue> claimKeys, String prefix) {
        long lease = ownLease.getAsLong();
        var now = clock.instant();
        var unheld = new HashMap<String, Suspect>();
        var stranded = new HashMap<String, Long>();
        if (lease != 0) {
            var holding = held.get();
            for (var kv : claimKeys) {
                if (kv.getLease() != lease) {
                    continue;
                }
                var ref = text(kv.getKey()).substring(prefix.length());
                if (holding.contains(ref)) {
                    continue;
                }
                long revision = kv.getModRevision();
                var seen = suspects.get(ref);
                var suspect = seen != null && seen.modRevision() == revision ? seen : new Suspect(revision, now);
                unheld.put(ref, suspect);
                if (!now.isBefore(suspect.since().plus(MIN_AGE))) {
                    stranded.put(ref, revision);
                }
            }
        }
        suspects = unheld;
        return stranded;
    }
}
