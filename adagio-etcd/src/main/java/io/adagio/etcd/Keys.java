package io.adagio.etcd;

import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The key layout, everything under {@code <namespace>/}. Run IDs and node names cannot contain '/'
 * (validation restricts them to {@code [A-Za-z0-9._-]}), so {@code <run>/<node>} splits unambiguously.
 *
 * <pre>
 * runs/&lt;run&gt;                  RunRecord, written last when a run starts (rewritten by every cancel
 *                                 and rerun that changes the run: its cancelled mark, and the
 *                                 revision a delete is guarded by)
 * nodes/&lt;run&gt;/&lt;node&gt;          NodeRecord: spec, downstream, waiting count, state
 * ready/&lt;run&gt;/&lt;node&gt;          IndexEntry while READY      (watched: NODE_READY); it carries a copy
 *                                 of the node's record, written in the same transaction
 * orphaned/&lt;run&gt;/&lt;node&gt;       IndexEntry while orphaned   (watched: NODE_ORPHANED)
 * cancels/&lt;run&gt;/&lt;node&gt;        CancelEntry while RUNNING in a cancelled run (watched: NODE_CANCELLED)
 * held/running/&lt;run&gt;/&lt;node&gt;   RunningEntry while RUNNING
 * held/claims/&lt;run&gt;/&lt;node&gt;    claim id, put with the claimer's lease (a running entry without
 *                                 its claim key is an orphan)
 * agents/&lt;agent&gt;              AgentRecord, put with the agent process's lease
 * stats/&lt;instance&gt;-&lt;n&gt;        CounterShard, written by one instance (process)
 * stats/merged                CounterShard: the sum of the shards of instances that are gone
 * instances/&lt;instance&gt;        InstanceRecord, put with the instance's lease while it lives
 *                                 (watched by agent processes: a delete means a lease, and the
 *                                 claims on it, ended)
 * outputs/&lt;run&gt;/&lt;node&gt;/&lt;i&gt;  output of the node's attempt i when it is too big to keep inline (raw
 *                                 bytes, written once with the attempt; records refer to it)
 * inputs/&lt;run&gt;/&lt;node&gt;/&lt;up&gt;  output of upstream &lt;up&gt; for a wide fan-in node, as an Input holds it
 *                                 (inline bytes, or a reference to the output key)
 * tally/&lt;run&gt;/&lt;node&gt;/&lt;s&gt;      TallyRecord, put with every input delivered to a wide fan-in node
 *                                 by an upstream node of shard s (it holds the upstream count): the
 *                                 versions of the shards count the deliveries, read in the delivering
 *                                 transaction; deleted when the node leaves WAITING. Releases before
 *                                 shards put tally/&lt;run&gt;/&lt;node&gt; alone: it still counts.
 * journal/&lt;run&gt;               Journal of a transition too big for one transaction
 * journal-parts/&lt;run&gt;/&lt;write&gt;/&lt;i&gt;  the writes of a journal too big for one value, in parts
 * deleting/&lt;run&gt;              DeletingRecord of a run whose record is deleted but whose other keys
 *                                 are still being removed (a big run, in pieces): finished by
 *                                 whoever finds it (RunDeleter)
 * leader/...                  the housekeeping election (EtcdLeadership): keys of the campaigning
 *                                 processes, each put with its process's lease
 * </pre>
 *
 * <p>Every key of a run is under {@link #run}, {@link #journal}, {@link #deleting} or one of
 * {@link #runPrefixes}: a new per-run key goes into that list, so that deleting a run removes it.
 */
final class Keys {
    static final String MERGED_SHARD = "merged";
    final String root;

    Keys(String namespace) {
        this.root = namespace + "/";
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    String run(String runId) {
        return root + "runs/" + runId;
    }

    String runs() {
        return root + "runs/";
    }

    String node(String runId, String node) {
        return root + "nodes/" + runId + "/" + node;
    }

    String nodes(String runId) {
        return root + "nodes/" + runId + "/";
    }

    String ready(String runId, String node) {
        return ready() + runId + "/" + node;
    }

    String ready() {
        return root + "ready/";
    }

    String orphaned(String runId, String node) {
        return orphaned() + runId + "/" + node;
    }

    String orphaned() {
        return root + "orphaned/";
    }

    String cancel(String runId, String node) {
        return cancels() + runId + "/" + node;
    }

    String cancels() {
        return root + "cancels/";
    }

    String running(String runId, String node) {
        return running() + runId + "/" + node;
    }

    String running() {
        return held() + "running/";
    }

    /** What is held while nodes run: running entries and claim keys. */
    String held() {
        return root + "held/";
    }

    String claim(String runId, String node) {
        return claims() + runId + "/" + node;
    }

    String claims() {
        return held() + "claims/";
    }

    String agent(String agentId) {
        return agents() + agentId;
    }

    String agents() {
        return root + "agents/";
    }

    String stats(String shard) {
        return stats() + shard;
    }

    String stats() {
        return root + "stats/";
    }

    String statsMerged() {
        return stats() + MERGED_SHARD;
    }

    /** The instance that owns a shard key, or null for the merged shard (or a key not of this form). */
    String shardOwner(String shardKey) {
        var name = shardKey.substring(stats().length());
        int dash = name.lastIndexOf('-');
        return name.equals(MERGED_SHARD) || dash <= 0 ? null : name.substring(0, dash);
    }

    String instance(String instanceId) {
        return instances() + instanceId;
    }

    String instances() {
        return root + "instances/";
    }

    String output(String runId, String node, int attempt) {
        return runOutputs(runId) + node + "/" + attempt;
    }

    String runOutputs(String runId) {
        return root + "outputs/" + runId + "/";
    }

    String input(String runId, String node, String upstream) {
        return inputs(runId, node) + upstream;
    }

    String inputs(String runId, String node) {
        return runInputs(runId) + node + "/";
    }

    String runInputs(String runId) {
        return root + "inputs/" + runId + "/";
    }

    /**
     * Shards of a wide fan-in node's tally: deliveries from upstream nodes of different shards put
     * different keys, so that finishes into one node can share a request (etcd refuses two puts of
     * one key in a request, and a group commit sends such members apart).
     */
    static final int TALLY_SHARDS = 8;

    /** The tally shard that a delivery from {@code upstream} to {@code node} counts in. */
    String tally(String runId, String node, String upstream) {
        return tallyShards(runId, node) + Math.floorMod(upstream.hashCode(), TALLY_SHARDS);
    }

    /** The prefix of a node's tally shards. */
    String tallyShards(String runId, String node) {
        return legacyTally(runId, node) + "/";
    }

    /** The one tally key of a node, as releases before the shards wrote it: it still counts. */
    String legacyTally(String runId, String node) {
        return tallies() + runId + "/" + node;
    }

    /** Every tally key a node may have: the legacy one and each shard. */
    List<String> tallyKeys(String runId, String node) {
        var out = new java.util.ArrayList<String>(TALLY_SHARDS + 1);
        out.add(legacyTally(runId, node));
        for (int s = 0; s < TALLY_SHARDS; s++) {
            out.add(tallyShards(runId, node) + s);
        }
        return out;
    }

    /** The run and node of a tally key, a shard's or a legacy one: {@code [run, node]}. */
    String[] tallyRunAndNode(String key) {
        var runAndRest = runAndNode(tallies(), key);
        int slash = runAndRest[1].indexOf('/');
        if (slash >= 0) {
            runAndRest[1] = runAndRest[1].substring(0, slash);
        }
        return runAndRest;
    }

    String tallies() {
        return root + "tally/";
    }

    String journal(String runId) {
        return root + "journal/" + runId;
    }

    String journals() {
        return root + "journal/";
    }

    String journalPart(String runId, String writeId, int part) {
        return journalParts(runId) + writeId + "/" + part;
    }

    String journalParts(String runId) {
        return root + "journal-parts/" + runId + "/";
    }

    String deleting(String runId) {
        return deletings() + runId;
    }

    String deletings() {
        return root + "deleting/";
    }

    String leader() {
        return root + "leader/housekeeping";
    }

    /**
     * Every prefix under which keys of one run live, besides its record, journal and deleting marker:
     * what a delete removes, page by page.
     */
    List<String> runPrefixes(String runId) {
        return List.of(
                nodes(runId),
                runOutputs(runId),
                runInputs(runId),
                tallies() + runId + "/",
                ready() + runId + "/",
                orphaned() + runId + "/",
                cancels() + runId + "/",
                running() + runId + "/",
                claims() + runId + "/",
                journalParts(runId));
    }

    /** {run, node} of a key {@code <prefix><run>/<node>}. */
    static String[] runAndNode(String prefix, String key) {
        var rest = key.substring(prefix.length());
        int slash = rest.indexOf('/');
        return new String[] {rest.substring(0, slash), rest.substring(slash + 1)};
    }
}
