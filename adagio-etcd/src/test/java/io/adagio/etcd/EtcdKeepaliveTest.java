package io.adagio.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.adagio.testkit.etcd.EtcdExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd drops a connection that pings too often for its keepalive policy (GOAWAY "too_many_pings";
 * with no stream open, any ping is too often). An idle repository, like an API process between
 * requests, must keep its connection.
 */
class EtcdKeepaliveTest {
    @RegisterExtension
    static final EtcdExtension ETCD = EtcdExtension.singleMember();

    /** grpc-java reports a GOAWAY through java.util.logging. */
    private final List<String> goaways = new CopyOnWriteArrayList<>();

    private final Logger grpc = Logger.getLogger("io.grpc");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            var text = r.getMessage() + " " + (r.getParameters() == null ? "" : List.of(r.getParameters())) + " "
                    + (r.getThrown() == null ? "" : r.getThrown().toString());
            if (text.contains("GOAWAY") || text.contains("too_many_pings")) {
                goaways.add(text);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private Level level;

    @BeforeEach
    void listen() {
        level = grpc.getLevel();
        grpc.setLevel(Level.ALL);
        grpc.addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        grpc.removeHandler(capture);
        grpc.setLevel(level);
    }

    @Test
    void anIdleConnectionIsNotDroppedForPingingTooOften() {
        try (var repository =
                EtcdRepository.connect(EtcdSettings.of(ETCD.endpoints()).withNamespace("keepalive"))) {
            repository.stats();
            // etcd counts a ping on a connection without streams as a strike and sends GOAWAY at the
            // third: with pings every 10s (gRPC-java's floor) that took about 30s.
            Awaitility.await("no GOAWAY while idle")
                    .during(Duration.ofSeconds(35))
                    .atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(goaways::isEmpty);
            repository.stats();
            assertThat(goaways).isEmpty();
        }
    }
}
