package io.adagio.server;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.common.grpc.GrpcMeterIdPrefixFunction;
import com.linecorp.armeria.common.util.BlockingTaskExecutor;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.file.FileService;
import com.linecorp.armeria.server.file.HttpFile;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingOptions;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingQueryParamMatchRule;
import com.linecorp.armeria.server.grpc.UnframedGrpcErrorHandler;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.linecorp.armeria.server.metric.MetricCollectingService;
import io.adagio.core.graph.Limits;
import io.adagio.core.repository.Repository;
import io.adagio.server.security.ApiSecurity;
import io.adagio.server.security.HostPolicy;
import io.adagio.server.security.RequestGuard;
import io.adagio.server.security.ServerTls;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control-plane API on one port (docs/ARCHITECTURE.md, "Wire contract"): gRPC {@code adagio.rpc.controlplane.ControlPlane},
 * its HTTP/JSON routes (transcoded from the {@code google.api.http} annotations, so there is one
 * implementation), gRPC health and reflection, {@code /health}, Prometheus metrics at
 * {@code /metrics}, and the web UI (its page routes and {@code /assets/}).
 *
 * <p>The UI's files are read from the classpath folder {@value #UI_RESOURCES}; until a UI is on the
 * classpath a placeholder page is served.
 *
 * <p>Every request passes the {@link RequestGuard} first (allowed hosts, JSON-only POST and PUT,
 * allowed origins and CORS, credentials when {@link ApiSecurity} asks for them); with
 * {@link ApiSecurity#tls()} the port speaks only TLS.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    /** Where the web UI puts its files on the classpath ({@code index.html} and anything it links). */
    public static final String UI_RESOURCES = "META-INF/adagio-ui";
    /** The UI's page routes, each answered with its index.html. */
    static final java.util.List<String> UI_PAGES =
            java.util.List.of("/", "/runs", "/runs/new", "/runs/{id}", "/agents");

    private static final String PLACEHOLDER = "io/adagio/server/static";
    /** The paths of {@link #UI_PAGES}, each {@code {parameter}} standing for one path segment. */
    private static final Pattern UI_PAGE = Pattern.compile(String.join(
            "|",
            UI_PAGES.stream()
                    .map(page -> Pattern.quote(page).replaceAll("\\{[^}]+}", Matcher.quoteReplacement("\\E[^/]+\\Q")))
                    .toList()));

    private final Server server;
    private final boolean tls;

    private ApiServer(Server server, boolean tls) {
        this.server = server;
        this.tls = tls;
    }

    public static Builder builder(Repository repository) {
        return new Builder(repository);
    }

    /** Binds the port and starts serving; returns once the server accepts connections. */
    public ApiServer start() {
        server.start().join();
        log.info(
                "API listening on {}://{} (gRPC, HTTP/JSON /v0, web UI /, /health, /metrics)",
                tls ? "https" : "http",
                hostAndPort(address()));
        return this;
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return server.activePorts().values().iterator().next().localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** Stops accepting, lets in-flight requests finish (within the server's grace period) and closes. */
    @Override
    public void close() {
        server.stop().join();
    }

    /**
     * The routes served without credentials: the UI's pages and files (the UI asks for a token when the
     * API wants one) and the health checks. Everything else, unknown paths included, needs them.
     */
    static boolean isOpen(String path) {
        return path.equals("/health")
                || path.startsWith("/assets/")
                || path.startsWith("/grpc.health.v1.Health/")
                || UI_PAGE.matcher(path).matches();
    }

    private static String hostAndPort(InetSocketAddress address) {
        var host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    public static final class Builder {
        private final Repository repository;
        private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 7890);
        private Limits limits = Limits.DEFAULT;
        private Duration shutdownQuietPeriod = Duration.ZERO;
        private Duration shutdownTimeout = Duration.ofSeconds(5);
        private PrometheusMeterRegistry meterRegistry;
        private int blockingThreads = defaultBlockingThreads();
        private ApiSecurity security = ApiSecurity.DEFAULT;

        private Builder(Repository repository) {
            this.repository = Objects.requireNonNull(repository, "repository");
        }

        public Builder listen(InetSocketAddress listen) {
            this.listen = Objects.requireNonNull(listen, "listen");
            return this;
        }

        /** Only {@link Limits#maxRequestBytes()} is enforced here; the rest is the repository's. */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** How long in-flight requests get to finish when the server stops. */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Metrics registry exposed at {@code /metrics}; one is created if none is given. */
        public Builder meterRegistry(PrometheusMeterRegistry registry) {
            this.meterRegistry = registry;
            return this;
        }

        /**
         * At most this many API calls run at once (the rest wait their turn in a queue). Calls are
         * unary and short: in memory a few microseconds, on etcd one or two network round trips, so
         * a few threads per core keep the store busy; more threads only cost memory.
         */
        public Builder blockingThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("blockingThreads must be at least 1, got " + threads);
            }
            this.blockingThreads = threads;
            return this;
        }

        /** Allowed hosts and origins, credentials and TLS; {@link ApiSecurity#DEFAULT} unless set. */
        public Builder security(ApiSecurity security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        static int defaultBlockingThreads() {
            return Math.max(16, 8 * Runtime.getRuntime().availableProcessors());
        }

        public ApiServer build() {
            var registry =
                    meterRegistry != null ? meterRegistry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            int maxRequest = limits.maxRequestBytes();

            var grpc = GrpcService.builder()
                    .addService(new ControlPlaneService(repository))
                    .addService(ProtoReflectionServiceV1.newInstance())
                    .enableHealthCheckService(true)
                    // The repository may block (etcd round trips): keep it off the event loops.
                    .useBlockingTaskExecutor(true)
                    .maxRequestMessageLength(maxRequest)
                    .exceptionHandler((ctx, status, cause, metadata) -> ErrorMapping.toStatus(cause))
                    .jsonMarshallerFactory(service -> new StrictJsonMarshaller(GrpcJsonMarshaller.builder()
                            .jsonMarshallerCustomizer(
                                    m -> m.preservingProtoFieldNames(true).includingDefaultValueFields(true))
                            .build(service)))
                    .enableHttpJsonTranscoding(HttpJsonTranscodingOptions.builder()
                            .queryParamMatchRules(
                                    HttpJsonTranscodingQueryParamMatchRule.ORIGINAL_FIELD,
                                    HttpJsonTranscodingQueryParamMatchRule.LOWER_CAMEL_CASE)
                            .errorHandler(UnframedGrpcErrorHandler.ofJson(
                                    (ctx, status, cause) -> ErrorMapping.toHttpStatus(status)))
                            .build())
                    .build();

            // Armeria's default blocking executor makes a new thread per call until it has 200 and
            // keeps each for a minute: after a burst of calls an idle daemon held ~225 threads and
            // ~24 MiB of stacks. A bounded pool whose threads go away when idle does the same work.
            var blocking = BlockingTaskExecutor.builder()
                    .threadNamePrefix("adagio-api")
                    .numThreads(blockingThreads)
                    .keepAliveTime(Duration.ofSeconds(30))
                    .daemon(true)
                    .build();
            var hosts = HostPolicy.of(listen, security.allowedHosts());
            ServerBuilder sb = Server.builder()
                    .blockingTaskExecutor(blocking, true)
                    .maxRequestLength(maxRequest)
                    .meterRegistry(registry)
                    .gracefulShutdownTimeout(shutdownQuietPeriod, shutdownTimeout)
                    .errorHandler(new HttpErrorHandler(maxRequest))
                    .service(grpc, MetricCollectingService.newDecorator(GrpcMeterIdPrefixFunction.of("adagio.api")))
                    .decorator(new RequestGuard(hosts, security, ApiServer::isOpen))
                    .service("/health", HealthCheckService.of())
                    .service(
                            "/metrics",
                            (ctx, req) -> HttpResponse.of(
                                    MediaType.parse("text/plain; version=0.0.4; charset=utf-8"), registry.scrape()));
            staticFiles(sb);
            if (security.tls() == null) {
                sb.http(listen);
            } else {
                ServerTls.apply(sb, listen, security.tls());
            }
            log.debug("hosts accepted besides loopback: {}", hosts.describe());
            return new ApiServer(sb.build(), security.tls() != null);
        }

        /**
         * The web UI is a single page: every page route answers index.html (so deep links and
         * reloads work) and {@code /assets/**} answers its files.
         */
        private static void staticFiles(ServerBuilder sb) {
            var loader = ApiServer.class.getClassLoader();
            String root = loader.getResource(UI_RESOURCES + "/index.html") != null ? UI_RESOURCES : PLACEHOLDER;
            var index = HttpFile.of(loader, root + "/index.html").asService();
            for (var page : UI_PAGES) {
                sb.service(page, index);
            }
            sb.serviceUnder(
                    "/assets/", FileService.builder(loader, root + "/assets").build());
        }
    }
}
