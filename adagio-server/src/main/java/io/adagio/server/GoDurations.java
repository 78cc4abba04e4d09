package io.adagio.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Lets a request spell a {@code google.protobuf.Duration} the way Adagio's users write durations
 * everywhere else ({@code "500ms"}, {@code "1m30s"}, {@code "2h"}), besides the protobuf JSON
 * form ({@code "0.5s"}, {@code "90s"}) the protobuf parser alone accepts: such values are rewritten
 * into the protobuf form before the parser sees them. Anything else is left for the parser to refuse.
 */
final class GoDurations {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String DURATION = "google.protobuf.Duration";
    private static final Pattern PROTOBUF = Pattern.compile("-?\\d+(?:\\.\\d{1,9})?s");
    private static final Pattern GO = Pattern.compile("[+-]?(?:(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:ns|us|µs|μs|ms|s|m|h))+");
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Map<String, BigDecimal> UNIT_SECONDS = Map.of(
            "ns", new BigDecimal("0.000000001"),
            "us", new BigDecimal("0.000001"),
            "µs", new BigDecimal("0.000001"),
            "μs", new BigDecimal("0.000001"),
            "ms", new BigDecimal("0.001"),
            "s", BigDecimal.ONE,
            "m", BigDecimal.valueOf(60),
            "h", BigDecimal.valueOf(3600));

    /** Per request type, the quoted names of every Duration field it may hold, to skip requests without any. */
    private static final Map<String, Set<byte[]>> NAMES = new ConcurrentHashMap<>();

    private GoDurations() {}

    /** {@code json} with every Go-style duration of a Duration field in protobuf form; the same array if there is none. */
    static byte[] rewrite(byte[] json, Descriptor type) {
        if (json.length == 0 || !mayHold(json, type)) {
            return json;
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (IOException e) {
            return json; // the parser reports it
        }
        return tree != null && rewrite(tree, type) ? toBytes(tree) : json;
    }

    /** The protobuf JSON form of a Go-style duration ({@code 1m30s} to {@code 90s}); null if it is not one. */
    static String protobufForm(String text) {
        if (PROTOBUF.matcher(text).matches() || !GO.matcher(text).matches()) {
            return null;
        }
        var seconds = BigDecimal.ZERO;
        var parts = PART.matcher(text);
        while (parts.find()) {
            String amount = parts.group(1).endsWith(".") ? parts.group(1) + "0" : parts.group(1);
            seconds = seconds.add(new BigDecimal(amount).multiply(UNIT_SECONDS.get(parts.group(2))));
        }
        seconds = seconds.setScale(9, RoundingMode.DOWN).stripTrailingZeros();
        return (text.startsWith("-") && seconds.signum() != 0 ? "-" : "") + seconds.toPlainString() + "s";
    }

    private static boolean rewrite(JsonNode node, Descriptor type) {
        if (!(node instanceof ObjectNode object) || type.getFullName().startsWith("google.protobuf.")) {
            return false;
        }
        boolean changed = false;
        for (var entry : object.properties()) {
            var field = field(type, entry.getKey());
            if (field == null || field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            var value = entry.getValue();
            if (field.isMapField()) {
                var valueField = field.getMessageType().findFieldByName("value");
                if (valueField.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                    for (var element : value) {
                        changed |= rewrite(element, valueField.getMessageType());
                    }
                }
            } else if (field.isRepeated()) {
                for (var element : value) {
                    changed |= rewrite(element, field.getMessageType());
                }
            } else if (field.getMessageType().getFullName().equals(DURATION)) {
                String form = value.isTextual() ? protobufForm(value.asText()) : null;
                if (form != null) {
                    entry.setValue(object.textNode(form));
                    changed = true;
                }
            } else {
                changed |= rewrite(value, field.getMessageType());
            }
        }
        return changed;
    }

    private static FieldDescriptor field(Descriptor type, String name) {
        var field = type.findFieldByName(name);
        if (field != null) {
            return field;
        }
        return type.getFields().stream()
                .filter(f -> f.getJsonName().equals(name))
                .findFirst()
                .orElse(null);
    }

    private static boolean mayHold(byte[] json, Descriptor type) {
        var names = NAMES.computeIfAbsent(type.getFullName(), k -> durationFieldNames(type));
        for (byte[] name : names) {
            if (indexOf(json, name) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static Set<byte[]> durationFieldNames(Descriptor root) {
        var names = new LinkedHashSet<String>();
        collect(root, names, new java.util.HashSet<>());
        var quoted = new LinkedHashSet<byte[]>();
        names.forEach(n -> quoted.add(("\"" + n + "\"").getBytes(StandardCharsets.UTF_8)));
        return quoted;
    }

    private static void collect(Descriptor type, Set<String> names, Set<String> seen) {
        if (!seen.add(type.getFullName()) || type.getFullName().startsWith("google.protobuf.")) {
            return;
        }
        for (var field : type.getFields()) {
            if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            var target = field.getMessageType();
            if (target.getFullName().equals(DURATION)) {
                names.add(field.getName());
                names.add(field.getJsonName());
            } else {
                collect(target, names, seen);
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] toBytes(JsonNode tree) {
        try {
            return MAPPER.writeValueAsBytes(tree);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
