package io.adagio.etcd;

import io.adagio.core.model.Node;
import io.adagio.core.model.Result;
import io.adagio.core.model.Run;
import io.adagio.core.repository.RepositoryException;
import io.adagio.etcd.storage.OutputRef;
import io.etcd.jetcd.kv.TxnResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Replaces the output references of nodes read from etcd ({@link OutputRefs}) with the values they
 * refer to, reading those not at hand: nothing leaves the repository with a reference in it. Output
 * keys are written once and deleted only with their run, so a value read at any time after its
 * reference is the value; a key that is gone means the run was deleted.
 */
final class OutputReader {
    /** At most this many bytes of values are asked for in one request (etcd's client takes 64 MiB). */
    static final long REQUEST_BYTES = 16L * 1024 * 1024;

    private final EtcdCalls calls;
    private final Keys keys;

    OutputReader(EtcdCalls calls, Keys keys) {
        this.calls = calls;
        this.keys = keys;
    }

    /** The references among a node's attempt outputs and inputs, by output key, in order. */
    Map<String, OutputRef> refs(String runId, List<Result> attempts, Map<String, byte[]> inputs) {
        var out = new LinkedHashMap<String, OutputRef>();
        for (var a : attempts) {
            add(runId, a.output(), out);
        }
        for (var v : inputs.values()) {
            add(runId, v, out);
        }
        return out;
    }

    private void add(String runId, byte[] value, Map<String, OutputRef> out) {
        if (OutputRefs.isRef(value)) {
            var ref = OutputRefs.parse(value);
            out.put(key(runId, ref), ref);
        }
    }

    String key(String runId, OutputRef ref) {
        return keys.output(runId, ref.getNode(), ref.getAttempt());
    }

    /** The node with its references resolved: from {@code known} (output key to value), else read. */
    Node resolve(String runId, Node node, Map<String, byte[]> known) {
        var refs = refs(runId, node.attempts(), node.inputs());
        if (refs.isEmpty()) {
            return node;
        }
        var values = new HashMap<>(known);
        refs.keySet().removeAll(known.keySet());
        values.putAll(read(runId, refs));
        return resolved(runId, node, values);
    }

    /**
     * The run with the references of all its nodes resolved, from {@code known} (output key to
     * value) or read in as few requests as fit.
     */
    Run resolve(Run run, Map<String, byte[]> known) {
        var refs = new LinkedHashMap<String, OutputRef>();
        for (var n : run.nodes()) {
            refs.putAll(refs(run.id(), n.attempts(), n.inputs()));
        }
        if (refs.isEmpty()) {
            return run;
        }
        refs.keySet().removeAll(known.keySet());
        var values = new HashMap<>(known);
        values.putAll(read(run.id(), refs));
        var nodes = new ArrayList<Node>(run.nodes().size());
        for (var n : run.nodes()) {
            nodes.add(resolved(run.id(), n, values));
        }
        return new Run(run.id(), run.createdAt(), nodes, run.edges(), run.status(), run.conclusion());
    }

    /**
     * Reads the values of {@code refs}: all requests sent at once, each of at most a transaction's
     * operations and {@link #REQUEST_BYTES}.
     *
     * @throws RepositoryException.NotFound when a value is gone: its run was deleted
     */
    Map<String, byte[]> read(String runId, Map<String, OutputRef> refs) {
        var batches = new ArrayList<List<String>>();
        var batch = new ArrayList<String>();
        long bytes = 0;
        int maxOps = calls.settings().maxTxnOps();
        for (var e : refs.entrySet()) {
            long size = e.getValue().getSize();
            if (!batch.isEmpty() && (batch.size() >= maxOps || bytes + size > REQUEST_BYTES)) {
                batches.add(batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(e.getKey());
            bytes += size;
        }
        if (!batch.isEmpty()) {
            batches.add(batch);
        }
        var sent = new ArrayList<CompletableFuture<TxnResponse>>(batches.size());
        for (var b : batches) {
            var txn = new Txn.Builder();
            for (var key : b) {
                txn.then(new Txn.Get(key));
            }
            sent.add(calls.send(txn.build()));
        }
        var out = new HashMap<String, byte[]>();
        for (int i = 0; i < batches.size(); i++) {
            var gets = calls.await(sent.get(i)).getGetResponses();
            var b = batches.get(i);
            for (int j = 0; j < b.size(); j++) {
                var kvs = gets.get(j).getKvs();
                if (kvs.isEmpty()) {
                    throw RepositoryException.NotFound.run(runId);
                }
                out.put(b.get(j), kvs.getFirst().getValue().getBytes());
            }
        }
        return out;
    }

    /** The node with each reference replaced by its value in {@code values} (output key to value). */
    Node resolved(String runId, Node node, Map<String, byte[]> values) {
        boolean any = false;
        var attempts = new ArrayList<Result>(node.attempts().size());
        for (var a : node.attempts()) {
            byte[] output = a.output();
            if (OutputRefs.isRef(output)) {
                any = true;
                a = new Result(
                        a.conclusion(),
                        a.metadata(),
                        value(runId, output, values),
                        a.startedAt(),
                        a.finishedAt(),
                        a.agentId());
            }
            attempts.add(a);
        }
        var inputs = new LinkedHashMap<String, byte[]>();
        for (var e : node.inputs().entrySet()) {
            byte[] v = e.getValue();
            if (OutputRefs.isRef(v)) {
                any = true;
                v = value(runId, v, values);
            }
            inputs.put(e.getKey(), v);
        }
        if (!any) {
            return node;
        }
        return new Node(
                node.spec(),
                node.status(),
                attempts,
                node.startedAt(),
                node.finishedAt(),
                inputs,
                node.claim(),
                node.conclusion(),
                node.notBefore(),
                node.cancelRequested());
    }

    private byte[] value(String runId, byte[] ref, Map<String, byte[]> values) {
        var key = key(runId, OutputRefs.parse(ref));
        var v = values.get(key);
        if (v == null) {
            throw new IllegalStateException("the output under " + key + " was not read");
        }
        return v;
    }
}
