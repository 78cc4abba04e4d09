package io.adagio.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import io.adagio.core.model.Text;
import io.adagio.server.security.UserText;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a JSON request against the message's schema before handing it to the protobuf JSON parser,
 * which on its own silently drops unknown fields, turns numbers into strings and answers a type
 * mismatch with an internal error. Every problem found is reported at once, each with the path of the
 * field at fault ({@code spec.nodes[1] (node "b").retry["fail"].max_attempts}), as INVALID_ARGUMENT.
 *
 * <p>Field names may be the proto names ({@code max_attempts}) or their JSON names ({@code maxAttempts}),
 * as the protobuf JSON mapping allows; durations may also be written Go style ({@link GoDurations}).
 */
final class StrictJsonMarshaller implements GrpcJsonMarshaller {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_PROBLEMS = 20;
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private final GrpcJsonMarshaller delegate;

    StrictJsonMarshaller(GrpcJsonMarshaller delegate) {
        this.delegate = delegate;
    }

    @Override
    public <T> void serializeMessage(MethodDescriptor.Marshaller<T> marshaller, T message, OutputStream os)
            throws IOException {
        delegate.serializeMessage(marshaller, message, os);
    }

    @Override
    public <T> T deserializeMessage(MethodDescriptor.Marshaller<T> marshaller, InputStream is) throws IOException {
        byte[] json = is.readAllBytes();
        if (marshaller instanceof MethodDescriptor.PrototypeMarshaller<T> prototyped
                && prototyped.getMessagePrototype() instanceof Message prototype) {
            var problems = check(json, prototype.getDescriptorForType());
            if (!problems.isEmpty()) {
                throw Status.INVALID_ARGUMENT
                        .withDescription("invalid request JSON: " + String.join("; ", problems))
                        .asRuntimeException();
            }
            json = GoDurations.rewrite(json, prototype.getDescriptorForType());
        }
        return delegate.deserializeMessage(marshaller, new ByteArrayInputStream(json));
    }

    /** Every schema problem of {@code json} as a message of type {@code type}; empty when it fits. */
    static List<String> check(byte[] json, Descriptor type) {
        var problems = new ArrayList<String>();
        if (json.length == 0) {
            return problems;
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            problems.add(malformed(e));
            return problems;
        } catch (IOException e) {
            problems.add("unreadable request body: " + e.getMessage());
            return problems;
        }
        if (tree != null && !tree.isMissingNode() && !tree.isNull()) {
            checkMessage(tree, type, "", problems);
        }
        return problems;
    }

    /** Jackson's message without the excerpt of the request it appends, plus where the problem is. */
    static String malformed(JsonProcessingException e) {
        var where = e.getLocation() == null
                ? ""
                : " at line " + e.getLocation().getLineNr() + ", column "
                        + e.getLocation().getColumnNr();
        // Jackson names the source it cannot show ("[Source: REDACTED (...); line: 1, column: 10]").
        String what = e.getOriginalMessage().replaceAll("\\[Source: [^;\\]]*; ", "[");
        return "malformed JSON: " + what + where;
    }

    private static void checkMessage(JsonNode node, Descriptor type, String path, List<String> problems) {
        if (isWellKnown(type)) {
            return; // their JSON forms are special; the protobuf parser checks them
        }
        if (!node.isObject()) {
            problem(problems, path, "expected an object (" + type.getName() + "), got " + describe(node));
            return;
        }
        for (var entry : node.properties()) {
            var field = findField(type, entry.getKey());
            String key = pathSegment(entry.getKey());
            String fieldPath = path.isEmpty() ? key : path + "." + key;
            if (field == null) {
                problem(
                        problems,
                        fieldPath,
                        "unknown field (" + type.getName() + " has "
                                + String.join(
                                        ", ",
                                        type.getFields().stream()
                                                .map(FieldDescriptor::getName)
                                                .toList()) + ")");
            } else if (!entry.getValue().isNull()) {
                checkField(entry.getValue(), field, fieldPath, problems);
            }
        }
    }

    private static void checkField(JsonNode value, FieldDescriptor field, String path, List<String> problems) {
        if (field.isMapField()) {
            if (!value.isObject()) {
                problem(problems, path, "expected an object (a map), got " + describe(value));
                return;
            }
            var valueField = field.getMessageType().findFieldByName("value");
            for (var entry : value.properties()) {
                String entryPath = path + "[" + quote(entry.getKey()) + "]";
                if (!Text.isValidUnicode(entry.getKey())) {
                    problem(problems, entryPath, "the key is not valid Unicode" + loneSurrogateAt(entry.getKey()));
                } else if (entry.getValue().isNull()) {
                    problem(problems, entryPath, "expected a value, got null");
                } else {
                    checkSingle(entry.getValue(), valueField, entryPath, problems);
                }
            }
        } else if (field.isRepeated()) {
            if (!value.isArray()) {
                problem(problems, path, "expected an array, got " + describe(value));
                return;
            }
            for (int i = 0; i < value.size(); i++) {
                var element = value.get(i);
                String elementPath = path + "[" + i + "]" + label(element);
                if (element.isNull()) {
                    problem(problems, elementPath, "expected a value, got null");
                } else {
                    checkSingle(element, field, elementPath, problems);
                }
            }
        } else {
            checkSingle(value, field, path, problems);
        }
    }

    private static void checkSingle(JsonNode value, FieldDescriptor field, String path, List<String> problems) {
        switch (field.getJavaType()) {
            case MESSAGE -> checkMessage(value, field.getMessageType(), path, problems);
            case STRING -> {
                if (!value.isTextual()) {
                    problem(problems, path, "expected a string, got " + describe(value));
                } else if (!Text.isValidUnicode(value.asText())) {
                    // Protobuf strings are UTF-8: it would store a replacement character instead.
                    problem(problems, path, "not valid Unicode" + loneSurrogateAt(value.asText()));
                }
            }
            case BYTE_STRING -> {
                if (!value.isTextual()) {
                    problem(problems, path, "expected a base64 string, got " + describe(value));
                }
            }
            case BOOLEAN -> {
                if (!value.isBoolean()) {
                    problem(problems, path, "expected true or false, got " + describe(value));
                }
            }
            case INT, LONG -> checkInteger(value, field, path, problems);
            case FLOAT, DOUBLE -> {
                if (!value.isNumber() && !value.isTextual()) {
                    problem(problems, path, "expected a number, got " + describe(value));
                }
            }
            case ENUM -> {
                if (value.isTextual()) {
                    if (field.getEnumType().findValueByName(value.asText()) == null) {
                        problem(
                                problems,
                                path,
                                "unknown value " + quote(value.asText()) + " (expected one of "
                                        + String.join(
                                                ", ",
                                                field.getEnumType().getValues().stream()
                                                        .map(v -> v.getName())
                                                        .toList())
                                        + ")");
                    }
                } else if (!value.isIntegralNumber()) {
                    problem(problems, path, "expected an enum name, got " + describe(value));
                }
            }
        }
    }

    /** proto3 JSON takes integers as JSON numbers or as decimal strings; both must be whole and in range. */
    private static void checkInteger(JsonNode value, FieldDescriptor field, String path, List<String> problems) {
        BigInteger n;
        try {
            if (value.isNumber()) {
                n = value.decimalValue().toBigIntegerExact();
            } else if (value.isTextual()) {
                n = new BigDecimal(value.asText().trim()).toBigIntegerExact();
            } else {
                problem(problems, path, "expected an integer, got " + describe(value));
                return;
            }
        } catch (NumberFormatException | ArithmeticException e) {
            problem(problems, path, "expected an integer, got " + describe(value));
            return;
        }
        BigInteger min;
        BigInteger max;
        switch (field.getType()) {
            case INT32, SINT32, SFIXED32 -> {
                min = BigInteger.valueOf(Integer.MIN_VALUE);
                max = BigInteger.valueOf(Integer.MAX_VALUE);
            }
            case UINT32, FIXED32 -> {
                min = BigInteger.ZERO;
                max = BigInteger.valueOf(0xFFFF_FFFFL);
            }
            case UINT64, FIXED64 -> {
                min = BigInteger.ZERO;
                max = UINT64_MAX;
            }
            default -> {
                min = BigInteger.valueOf(Long.MIN_VALUE);
                max = BigInteger.valueOf(Long.MAX_VALUE);
            }
        }
        if (n.compareTo(min) < 0 || n.compareTo(max) > 0) {
            problem(problems, path, "integer " + n + " out of range [" + min + ", " + max + "]");
        }
    }

    private static FieldDescriptor findField(Descriptor type, String name) {
        var field = type.findFieldByName(name);
        if (field != null) {
            return field;
        }
        for (var candidate : type.getFields()) {
            if (candidate.getJsonName().equals(name)) {
                return candidate;
            }
        }
        return null;
    }

    private static boolean isWellKnown(Descriptor type) {
        return type.getFullName().startsWith("google.protobuf.");
    }

    /** Names a node by its name in paths ({@code nodes[2] (node "fetch")}), so users find it at once. */
    private static String label(JsonNode element) {
        if (element.isObject()
                && element.path("name").isTextual()
                && !element.path("name").asText().isEmpty()) {
            return " (node " + quote(element.path("name").asText()) + ")";
        }
        return "";
    }

    private static String describe(JsonNode value) {
        String text = value.toString();
        if (text.length() > 40) {
            int cut = Character.isHighSurrogate(text.charAt(36)) ? 36 : 37;
            text = text.substring(0, cut) + "...";
        }
        String kind = switch (value.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case BOOLEAN -> "a boolean";
            case NUMBER -> "a number";
            case STRING -> "a string";
            case NULL -> "null";
            case BINARY, MISSING -> "a value";
        };
        return kind.equals("null") ? kind : kind + " " + text;
    }

    /** A client's text in a message: quoted, escaped and cut short ({@link UserText#quote}). */
    private static String quote(String s) {
        return UserText.quote(s);
    }

    /** A field name as a path segment: as it is when it looks like one, else quoted. */
    private static String pathSegment(String key) {
        return key.length() <= 64 && key.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '_'))
                ? key
                : quote(key);
    }

    private static String loneSurrogateAt(String s) {
        return " (a lone UTF-16 surrogate at character " + (Text.loneSurrogate(s) + 1) + ")";
    }

    private static void problem(List<String> problems, String path, String what) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add((path.isEmpty() ? "" : path + ": ") + what);
        } else if (problems.size() == MAX_PROBLEMS) {
            problems.add("(more problems not shown)");
        }
    }
}
