package io.adagio.server.security;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import java.util.Locale;

/**
 * What a request that changes something must declare itself to be. A browser sends a POST to any
 * site without asking first when its body is {@code text/plain}, a form or multipart (a "simple"
 * request); anything else ({@code application/json}, gRPC) is preflighted, and the preflight is
 * where other origins are refused. So POST and PUT are taken only as JSON or gRPC, never sniffed:
 * a hostile page cannot make a browser send them.
 */
final class ContentTypes {
    private ContentTypes() {}

    /** The methods a browser may send cross-site without a preflight and that could change state. */
    static boolean checked(HttpMethod method) {
        return method == HttpMethod.POST || method == HttpMethod.PUT;
    }

    /**
     * Whether a {@code Content-Type} header is acceptable for POST and PUT: {@code application/json}
     * (any parameters) or a gRPC / gRPC-Web type ({@code application/grpc}, {@code application/grpc+proto},
     * {@code application/grpc-web}, {@code application/grpc-web-text+proto}, ...).
     */
    static boolean acceptable(String header) {
        if (header == null || header.isBlank()) {
            return false;
        }
        MediaType type;
        try {
            type = MediaType.parse(header);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (!type.type().toLowerCase(Locale.ROOT).equals("application")) {
            return false;
        }
        String subtype = type.subtype().toLowerCase(Locale.ROOT);
        return subtype.equals("json")
                || subtype.equals("grpc")
                || subtype.startsWith("grpc+")
                || subtype.equals("grpc-web")
                || subtype.startsWith("grpc-web+")
                || subtype.equals("grpc-web-text")
                || subtype.startsWith("grpc-web-text+");
    }

    /** Whether the request speaks gRPC (or gRPC-Web), so that a refusal must be a gRPC status. */
    static boolean isGrpc(String header) {
        if (header == null) {
            return false;
        }
        String lower = header.strip().toLowerCase(Locale.ROOT);
        return lower.startsWith("application/grpc");
    }

    static String refusal(HttpMethod method, String header) {
        String what = header == null || header.isBlank() ? "no content type" : "content type " + UserText.quote(header);
        return method + " with " + what + " is refused: send Content-Type: application/json"
                + " (browsers may send other types from any site without asking, so they are never accepted)";
    }
}
