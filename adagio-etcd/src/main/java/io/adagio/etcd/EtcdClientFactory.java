package io.adagio.etcd;

import static io.adagio.etcd.Keys.bytes;

import io.etcd.jetcd.Client;
import io.grpc.ClientInterceptor;
import java.time.Duration;
import java.util.List;

/** Builds the etcd client a repository talks through: endpoints, keepalive, credentials and TLS. */
final class EtcdClientFactory {
    static final Duration KEEPALIVE_TIME = Duration.ofSeconds(15);
    static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;

    private EtcdClientFactory() {}

    /**
     * @param interceptors gRPC interceptors for every etcd request (metrics, request counting in tests)
     * @throws IllegalArgumentException when TLS cannot be set up from the settings' files
     */
    static Client connect(EtcdSettings settings, ClientInterceptor... interceptors) {
        var builder = Client.builder()
                .endpoints(settings.addresses().toArray(String[]::new))
                .connectTimeout(settings.requestTimeout())
                // etcd's server enforces a keepalive policy (--grpc-keepalive-min-time, default 5s, and
                // no pings at all on a connection without an open stream): pinging an idle connection
                // made it answer GOAWAY "too_many_pings" and drop the connection. Ping only while a
                // stream (watch, lease heartbeats) is open, no more often than gRPC-java's floor of 10s;
                // unary requests have their own deadline (requestTimeout).
                .keepaliveTime(KEEPALIVE_TIME)
                .keepaliveTimeout(KEEPALIVE_TIMEOUT)
                .keepaliveWithoutCalls(false)
                .maxInboundMessageSize(MAX_INBOUND_BYTES);
        if (settings.username() != null) {
            builder.user(bytes(settings.username())).password(bytes(settings.password()));
        }
        // TLS when asked for by a file or an https address (then the JVM's trusted CAs apply unless
        // a CA file is given).
        if (settings.caFile() != null
                || settings.certFile() != null
                || settings.addresses().stream().anyMatch(a -> a.startsWith("https://"))) {
            try {
                builder.sslContext(b -> {
                    if (settings.caFile() != null) {
                        b.trustManager(settings.caFile().toFile());
                    }
                    if (settings.certFile() != null) {
                        b.keyManager(
                                settings.certFile().toFile(), settings.keyFile().toFile());
                    }
                });
            } catch (javax.net.ssl.SSLException | RuntimeException e) {
                throw new IllegalArgumentException("cannot set up TLS for etcd: " + e.getMessage(), e);
            }
        }
        if (interceptors.length > 0) {
            builder.interceptors(List.of(interceptors));
        }
        return builder.build();
    }
}
