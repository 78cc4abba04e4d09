package io.adagio.etcd;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * This repository instance's identity and the ids of its writes. A write id goes into the record
 * written (NodeRecord.last_write), so that a writer whose commit had an unknown outcome (the
 * connection dropped) can tell whether it was applied. Unique across instances (the instance id is
 * random) without a random draw per write.
 */
final class WriteIds {
    private final String instanceId = UUID.randomUUID().toString();
    private final AtomicLong counter = new AtomicLong();

    String instanceId() {
        return instanceId;
    }

    String next() {
        return instanceId + "-" + counter.incrementAndGet();
    }
}
