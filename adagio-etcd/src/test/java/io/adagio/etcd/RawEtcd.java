package io.adagio.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A plain etcd client for tests: to look at or disturb what the repository stored. */
final class RawEtcd implements AutoCloseable {
    final Client client;

    RawEtcd(String endpoints) {
        client = Client.builder().endpoints(endpoints.split(",")).build();
    }

    static ByteSequence b(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    void put(String key, String value) {
        get(client.getKVClient().put(b(key), b(value)));
    }

    void put(String key, com.google.protobuf.Message record) {
        get(client.getKVClient().put(b(key), ByteSequence.from(record.toByteString())));
    }

    void delete(String key) {
        get(client.getKVClient().delete(b(key)));
    }

    List<String> keys(String prefix) {
        return get(client.getKVClient()
                        .get(
                                b(prefix),
                                GetOption.builder()
                                        .isPrefix(true)
                                        .withKeysOnly(true)
                                        .build()))
                .getKvs()
                .stream()
                .map(kv -> kv.getKey().toString(StandardCharsets.UTF_8))
                .toList();
    }

    /** Every key in etcd. */
    List<String> allKeys() {
        var zero = ByteSequence.from(new byte[] {0});
        return get(client.getKVClient()
                        .get(
                                zero,
                                GetOption.builder()
                                        .withRange(zero)
                                        .withKeysOnly(true)
                                        .build()))
                .getKvs()
                .stream()
                .map(kv -> kv.getKey().toString(StandardCharsets.UTF_8))
                .toList();
    }

    long revision() {
        return get(client.getKVClient().get(b("/"))).getHeader().getRevision();
    }

    void compact(long revision) {
        get(client.getKVClient().compact(revision));
    }

    /** Defragments every member (what an operator does to give etcd's freed pages back). */
    void defragment(List<String> endpoints) {
        for (var endpoint : endpoints) {
            get(client.getMaintenanceClient().defragmentMember(endpoint));
        }
    }

    /** Disarms every alarm (NOSPACE among them), as {@code etcdctl alarm disarm} does. */
    void disarmAlarms() {
        var maintenance = client.getMaintenanceClient();
        for (var alarm : get(maintenance.listAlarms()).getAlarms()) {
            get(maintenance.alarmDisarm(alarm));
        }
    }

    /** The lease a key is attached to; the key must exist. */
    long leaseOf(String key) {
        var kvs = get(client.getKVClient().get(b(key))).getKvs();
        if (kvs.isEmpty()) {
            throw new IllegalStateException("no key " + key);
        }
        return kvs.getFirst().getLease();
    }

    void revoke(long lease) {
        get(client.getLeaseClient().revoke(lease));
    }

    static <T> T get(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
