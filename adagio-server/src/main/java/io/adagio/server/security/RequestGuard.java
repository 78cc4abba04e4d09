package io.adagio.server.security;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import java.util.Objects;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one gate in front of every route, in this order:
 *
 * <ol>
 *   <li>{@code Host} / {@code :authority} must be one the {@link HostPolicy} accepts, else 403 (DNS rebinding);
 *   <li>a CORS preflight from an allowed origin is answered 204 here, from any other origin 403;
 *   <li>POST and PUT must be JSON or gRPC ({@link ContentTypes}), else 415;
 *   <li>an {@code Origin} other than the daemon's own and the allowed ones gets 403; an allowed one gets
 *       CORS headers on whatever the answer is (errors included, so its page can read them);
 *   <li>outside the open routes (the UI's files, {@code /health}, gRPC health), the {@link Authenticator}
 *       must name the caller, else 401 / UNAUTHENTICATED; the {@link Caller} goes into the request context.
 * </ol>
 *
 * A refused request never reaches a service, so it changes nothing.
 */
public final class RequestGuard implements DecoratingHttpServiceFunction {
    private static final Logger log = LoggerFactory.getLogger(RequestGuard.class);

    static final String ALLOW_METHODS = "GET, PUT, POST, DELETE";
    static final String ALLOW_HEADERS = "Content-Type, Authorization";

    private final HostPolicy hosts;
    private final Origins origins;
    private final Authenticator authenticator;
    private final Predicate<String> openPath;

    /**
     * @param openPath which paths are served without credentials (the UI's files and health checks)
     */
    public RequestGuard(HostPolicy hosts, ApiSecurity security, Predicate<String> openPath) {
        this.hosts = Objects.requireNonNull(hosts, "hosts");
        this.origins = security.origins();
        this.authenticator = new Authenticator(
                security.tokens(), security.tls() != null && security.tls().requiresClientCertificates());
        this.openPath = Objects.requireNonNull(openPath, "openPath");
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        RequestHeaders headers = req.headers();
        // Harmless everywhere, and the UI must not be framed by another site (clickjacking its form).
        ctx.setAdditionalResponseHeader(HttpHeaderNames.X_CONTENT_TYPE_OPTIONS, "nosniff");
        ctx.setAdditionalResponseHeader(HttpHeaderNames.X_FRAME_OPTIONS, "DENY");

        String authority = headers.authority();
        if (!hosts.allows(authority)) {
            return refuse(ctx, headers, Rejection.forbidden(HostPolicy.refusal(authority)));
        }

        String origin = headers.get(HttpHeaderNames.ORIGIN);
        var decision = origins.decide(origin, ctx.sessionProtocol().isTls(), authority);
        if (isPreflight(headers)) {
            return switch (decision) {
                case Origins.Decision.Allowed allowed -> preflight(allowed);
                case Origins.Decision.Forbidden forbidden ->
                    refuse(ctx, headers, Rejection.forbidden(Origins.refusal(forbidden.origin())));
                case Origins.Decision.Same same -> delegate.serve(ctx, req);
                case Origins.Decision.Absent absent -> delegate.serve(ctx, req);
            };
        }
        if (decision instanceof Origins.Decision.Allowed allowed) {
            corsHeaders(ctx, allowed);
        }

        String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (ContentTypes.checked(headers.method()) && !ContentTypes.acceptable(contentType)) {
            return refuse(
                    ctx, headers, Rejection.unsupportedMediaType(ContentTypes.refusal(headers.method(), contentType)));
        }
        if (decision instanceof Origins.Decision.Forbidden forbidden) {
            return refuse(ctx, headers, Rejection.forbidden(Origins.refusal(forbidden.origin())));
        }

        if (!openPath.test(ctx.path())) {
            switch (authenticator.authenticate(headers.get(HttpHeaderNames.AUTHORIZATION), ctx.sslSession())) {
                case Authenticator.Result.Refused refused -> {
                    return refuse(ctx, headers, Rejection.unauthenticated(refused.message()));
                }
                case Authenticator.Result.Authenticated caller ->
                    ctx.setAttr(Caller.KEY, new Caller(caller.name(), ctx.clientAddress()));
            }
        }
        return delegate.serve(ctx, req);
    }

    private static boolean isPreflight(RequestHeaders headers) {
        return headers.method() == HttpMethod.OPTIONS
                && headers.contains(HttpHeaderNames.ORIGIN)
                && headers.contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    }

    private static HttpResponse preflight(Origins.Decision.Allowed allowed) {
        var headers = ResponseHeaders.builder(HttpStatus.NO_CONTENT)
                .add(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowed.allowOrigin())
                .add(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS)
                .add(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS)
                .add(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "600");
        if (!allowed.allowOrigin().equals("*")) {
            headers.add(HttpHeaderNames.VARY, "Origin");
        }
        return HttpResponse.of(headers.build());
    }

    private static void corsHeaders(ServiceRequestContext ctx, Origins.Decision.Allowed allowed) {
        ctx.setAdditionalResponseHeader(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowed.allowOrigin());
        if (!allowed.allowOrigin().equals("*")) {
            ctx.addAdditionalResponseHeader(HttpHeaderNames.VARY, "Origin");
        }
    }

    private static HttpResponse refuse(ServiceRequestContext ctx, RequestHeaders headers, Rejection rejection) {
        log.debug(
                "refused {} {} from {}: {}",
                headers.method(),
                UserText.quote(headers.path()),
                ctx.clientAddress().getHostAddress(),
                rejection.message());
        return rejection.render(headers);
    }
}
