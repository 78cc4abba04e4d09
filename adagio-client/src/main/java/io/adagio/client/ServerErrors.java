package io.adagio.client;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.adagio.client.AdagioClientException.Code;

/** Turns an HTTP error response of the control plane into a typed exception with the server's message. */
final class ServerErrors {
    private ServerErrors() {}

    static AdagioClientException of(String target, int httpStatus, String grpcStatusHeader, String body) {
        Code code = fromGrpcStatus(grpcStatusHeader);
        if (code == null) {
            code = fromHttpStatus(httpStatus);
        }
        String message = message(body);
        if (message.isEmpty()) {
            message = "adagiod at " + target + " answered HTTP " + httpStatus + " (" + code + ")";
        }
        return new AdagioClientException(code, target, message);
    }

    static Code fromHttpStatus(int status) {
        return switch (status) {
            case 400, 422 -> Code.INVALID_ARGUMENT;
            case 401 -> Code.UNAUTHENTICATED;
            case 403 -> Code.PERMISSION_DENIED;
            case 404 -> Code.NOT_FOUND;
            case 408, 504 -> Code.DEADLINE_EXCEEDED;
            case 413, 429 -> Code.RESOURCE_EXHAUSTED;
            case 502, 503 -> Code.UNAVAILABLE;
            case 500 -> Code.INTERNAL;
            default -> Code.UNKNOWN;
        };
    }

    /** The gRPC status number, when a server sends it along (gRPC transcoding gateways do). */
    static Code fromGrpcStatus(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        try {
            return switch (Integer.parseInt(header.trim())) {
                case 3, 9, 11 -> Code.INVALID_ARGUMENT;
                case 4 -> Code.DEADLINE_EXCEEDED;
                case 5 -> Code.NOT_FOUND;
                case 7 -> Code.PERMISSION_DENIED;
                case 8 -> Code.RESOURCE_EXHAUSTED;
                case 13, 15 -> Code.INTERNAL;
                case 14 -> Code.UNAVAILABLE;
                case 16 -> Code.UNAUTHENTICATED;
                default -> null;
            };
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The human part of an error body: {@code message} (google.rpc.Status and most gateways) or
     * {@code error} from a JSON object, else the text itself, on one line.
     */
    static String message(String body) {
        String text = body == null ? "" : body.strip();
        if (text.startsWith("{")) {
            try {
                var json = Struct.newBuilder();
                JsonFormat.parser().merge(text, json);
                for (String field : new String[] {"message", "error", "detail"}) {
                    Value value = json.getFieldsOrDefault(field, Value.getDefaultInstance());
                    if (value.hasStringValue() && !value.getStringValue().isBlank()) {
                        return oneLine(value.getStringValue());
                    }
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException | RuntimeException ignored) {
                // Not JSON after all: show the text as it came.
            }
        }
        return oneLine(text);
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
