package io.adagio.etcd;

import static io.adagio.etcd.Keys.bytes;
import static io.adagio.etcd.Keys.text;

import io.adagio.core.model.Event;
import io.adagio.core.repository.Subscription;
import io.adagio.etcd.storage.CancelEntry;
import io.adagio.etcd.storage.IndexEntry;
import io.adagio.wire.WireMapping;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers an index (ready, orphaned or cancelling nodes) to one subscription: everything in it now,
 * then every put from the next revision on. If the watch fails (compaction, a long outage) the index
 * is read again and watched anew: an event may be delivered twice, never lost.
 */
final class IndexWatch implements Watch.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(IndexWatch.class);

    /** Reads an entry of the index as the event it stands for (with any side effect, such as a claim hint). */
    interface Decoder {
        Event decode(String key, KeyValue kv);
    }

    private final EtcdCalls calls;
    private final String prefix;
    private final Subscription subscription;
    private final Decoder decoder;
    private final Background background;
    private final AtomicBoolean restarting = new AtomicBoolean();
    private volatile Watch.Watcher watcher;
    private volatile boolean stopped;

    IndexWatch(EtcdCalls calls, String prefix, Subscription subscription, Decoder decoder, Background background) {
        this.calls = calls;
        this.prefix = prefix;
        this.subscription = subscription;
        this.decoder = decoder;
        this.background = background;
    }

    /**
     * Entries of the ready or orphaned index ({@code IndexEntry}); the records that come with them are
     * kept as claim hints.
     */
    static Decoder indexEntries(String prefix, ClaimHints hints) {
        return (key, kv) -> {
            var entry = EtcdStorage.decode(kv, IndexEntry::parseFrom);
            if (entry.hasRecord()) {
                // Written in the same transaction as the record: the entry's mod revision is the
                // record's while neither changed (else the claim's compare fails and it reads).
                var ref = Keys.runAndNode(prefix, key);
                hints.put(ref[0], ref[1], entry.getRecord(), kv.getModRevision());
            }
            return EtcdStorage.event(entry);
        };
    }

    /** Entries of the cancels index ({@code CancelEntry}): NODE_CANCELLED for the claim they name. */
    static Decoder cancelEntries(String prefix) {
        return (key, kv) -> {
            var entry = EtcdStorage.decode(kv, CancelEntry::parseFrom);
            var ref = Keys.runAndNode(prefix, key);
            return Event.cancelled(ref[0], WireMapping.fromProto(entry.getSpec()), entry.getClaimId());
        };
    }

    void start() {
        if (stopped || calls.closed()) {
            return;
        }
        restarting.set(false);
        long revision = 0;
        String after = null;
        while (true) {
            var option = GetOption.builder().withLimit(RunReader.PAGE);
            GetResponse page;
            if (after == null) {
                page = calls.get(prefix, option.isPrefix(true).build());
                revision = page.getHeader().getRevision();
            } else {
                page = calls.get(
                        after + "\u0000",
                        option.withRange(bytes(prefix + "\uffff"))
                                .withRevision(revision)
                                .build());
            }
            for (var kv : page.getKvs()) {
                offer(kv);
            }
            if (!page.isMore() || page.getKvs().isEmpty()) {
                break;
            }
            after = text(page.getKvs().getLast().getKey());
        }
        watcher = calls.client()
                .getWatchClient()
                .watch(
                        bytes(prefix),
                        WatchOption.builder()
                                .isPrefix(true)
                                .withNoDelete(true)
                                .withRevision(revision + 1)
                                .build(),
                        this);
    }

    private void offer(KeyValue kv) {
        try {
            subscription.offer(decoder.decode(text(kv.getKey()), kv));
        } catch (RuntimeException e) {
            LOG.warn("ignoring unreadable index entry {}: {}", text(kv.getKey()), e.getMessage());
        }
    }

    @Override
    public void onNext(WatchResponse response) {
        for (var e : response.getEvents()) {
            if (e.getEventType() == WatchEvent.EventType.PUT) {
                offer(e.getKeyValue());
            }
        }
    }

    @Override
    public void onError(Throwable throwable) {
        restart("watch of " + prefix + " failed: " + throwable.getMessage());
    }

    @Override
    public void onCompleted() {
        restart("watch of " + prefix + " ended");
    }

    private void restart(String why) {
        // onError and onCompleted of one failed watch both land here: restart once.
        if (stopped || calls.closed() || !restarting.compareAndSet(false, true)) {
            return;
        }
        LOG.info("{}; reading the index again", why);
        var w = watcher;
        if (w != null) {
            w.close();
        }
        background.retryLater(this::start);
    }

    void close() {
        stopped = true;
        var w = watcher;
        if (w != null) {
            w.close();
        }
    }
}
