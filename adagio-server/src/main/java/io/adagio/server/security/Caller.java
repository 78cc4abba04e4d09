package io.adagio.server.security;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AttributeKey;
import java.net.InetAddress;

/**
 * Who made a request: the NAME of its bearer token or the subject of its client certificate, or
 * {@value #ANONYMOUS} when the API requires neither; and the address it came from. The request
 * guard puts it in the request's context; services read it with {@link #current()}.
 */
public record Caller(String name, InetAddress address) {
    public static final String ANONYMOUS = "anonymous";

    static final AttributeKey<Caller> KEY = AttributeKey.valueOf(Caller.class, "caller");

    /** The caller of the request being served on this thread, or an anonymous one of unknown address. */
    public static Caller current() {
        var ctx = ServiceRequestContext.currentOrNull();
        if (ctx == null) {
            return new Caller(ANONYMOUS, null);
        }
        var caller = ctx.attr(KEY);
        return caller != null ? caller : new Caller(ANONYMOUS, ctx.clientAddress());
    }

    /** The address as a log line shows it. */
    public String addressText() {
        return address == null ? "an unknown address" : address.getHostAddress();
    }
}
