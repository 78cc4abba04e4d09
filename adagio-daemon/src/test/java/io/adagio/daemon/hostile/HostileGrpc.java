package io.adagio.daemon.hostile;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.adagio.proto.GraphSpec;
import io.adagio.proto.MetadataValue;
import io.adagio.proto.Node;
import io.adagio.proto.controlplane.InspectRequest;
import io.adagio.proto.controlplane.ListRequest;
import io.adagio.proto.controlplane.StartRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A seeded generator of hostile gRPC calls: bytes that are not protobuf, messages of the wrong type,
 * strings that are not UTF-8, nesting past protobuf's limit, ids of kilobytes and megabytes,
 * messages over the size limit, runaway retry rules, unknown methods, oversize metadata; and raw
 * request bodies whose framing itself is wrong (a length prefix that lies, a compressed flag with
 * no compression, two messages for a unary method, none at all).
 */
final class HostileGrpc {
    static final String SERVICE = "adagio.rpc.controlplane.ControlPlane";
    private static final int MIB = 1024 * 1024;

    /** A call made with a real gRPC client: a method, the message's bytes, extra metadata. */
    record Call(String kind, String method, byte[] message, Map<String, String> metadata) {
        @Override
        public String toString() {
            return kind + " " + method + " (" + message.length + " bytes)";
        }
    }

    /** A request body written by hand (length-prefixed messages), for framing a client would never produce. */
    record RawCall(String kind, String method, byte[] body, Map<String, String> headers) {
        @Override
        public String toString() {
            return kind + " " + method + " (" + body.length + " bytes)";
        }
    }

    private final Random random;

    HostileGrpc(long seed) {
        this.random = new Random(seed);
    }

    Call next() {
        return switch (random.nextInt(10)) {
            case 0 -> call("random bytes", anyMethod(), randomBytes(1 + random.nextInt(200)));
            case 1 -> call("wrong message type", anyMethod(), wrongType());
            case 2 -> call("invalid utf-8", pick("Inspect", "Start", "Cancel", "Delete"), invalidUtf8());
            case 3 -> call("nested groups", anyMethod(), nestedGroups(100 + random.nextInt(2000)));
            case 4 -> call("long id", pick("Inspect", "Cancel", "Rerun", "Delete"), longId());
            case 5 -> call("hostile spec", "Start", hostileSpec());
            case 6 -> call("list bounds", pick("ListRuns", "ListAgents"), listBounds());
            case 7 -> call("unknown method", pick("Nope", "inspect", "Inspect/", ""), new byte[0]);
            case 8 -> new Call("oversize metadata", pick("Stats", "Inspect"), new byte[0], bigMetadata());
            default -> call("truncated", anyMethod(), truncated());
        };
    }

    /** A message over the 8 MiB limit: sent a few times on purpose, each is megabytes. */
    Call oversize() {
        var spec = GraphSpec.newBuilder()
                .addNodes(Node.Spec.newBuilder()
                        .setName("big")
                        .setRuntime("debug")
                        .putMetadata(
                                "k",
                                MetadataValue.newBuilder()
                                        .addValues("x".repeat(8 * MIB + random.nextInt(MIB)))
                                        .build()))
                .build();
        return call(
                "oversize message",
                "Start",
                StartRequest.newBuilder().setSpec(spec).build().toByteArray());
    }

    RawCall nextRaw() {
        byte[] inspect = InspectRequest.newBuilder()
                .setId("01ARZ3NDEKTSV4RRFFQ69G5FAV")
                .build()
                .toByteArray();
        var headers = new LinkedHashMap<String, String>();
        String kind;
        byte[] body;
        switch (random.nextInt(8)) {
            case 0 -> {
                kind = "length prefix longer than the message";
                body = frame(0, inspect.length + 1 + random.nextInt(100), inspect);
            }
            case 1 -> {
                kind = "compressed flag without compression";
                body = frame(1, inspect.length, inspect);
            }
            case 2 -> {
                kind = "unknown compression";
                headers.put("grpc-encoding", pick("br", "zstd", "\u00e9"));
                body = frame(1, inspect.length, inspect);
            }
            case 3 -> {
                kind = "two messages for a unary method";
                body = concat(frame(0, inspect.length, inspect), frame(0, inspect.length, inspect));
            }
            case 4 -> {
                kind = "no message";
                body = new byte[0];
            }
            case 5 -> {
                kind = "length prefix of 2 GiB";
                body = frame(0, Integer.MAX_VALUE, inspect);
            }
            case 6 -> {
                kind = "bad grpc-timeout";
                headers.put("grpc-timeout", pick("abc", "-1S", "99999999999H", "1x"));
                body = frame(0, inspect.length, inspect);
            }
            default -> {
                kind = "half a header";
                body = new byte[] {0, 0, 0};
            }
        }
        return new RawCall(kind, pick("Inspect", "Stats", "Start"), body, headers);
    }

    private byte[] wrongType() {
        return switch (random.nextInt(3)) {
            case 0 ->
                StartRequest.newBuilder()
                        .setSpec(GraphSpec.newBuilder()
                                .addNodes(Node.Spec.newBuilder().setName("a").setRuntime("debug")))
                        .build()
                        .toByteArray();
            case 1 -> ListRequest.newBuilder().setLimit(5).setStartNs(7).build().toByteArray();
            default -> InspectRequest.newBuilder().setId("x").build().toByteArray();
        };
    }

    /** Field 1 (a string in every request that has one) holding a lone surrogate's UTF-8-like bytes. */
    private byte[] invalidUtf8() {
        byte[] bad = {(byte) 0xED, (byte) 0xA0, (byte) 0x80, (byte) 0xC0, (byte) 0xAF, (byte) 0xFF};
        return concat(new byte[] {0x0A, (byte) bad.length}, bad);
    }

    /** Start-group tags nested deeper than protobuf's recursion limit, as an unknown field. */
    private static byte[] nestedGroups(int depth) {
        var out = new ByteArrayOutputStream();
        for (int i = 0; i < depth; i++) {
            out.write((15 << 3) | 3); // field 15, start group
        }
        for (int i = 0; i < depth; i++) {
            out.write((15 << 3) | 4); // field 15, end group
        }
        return out.toByteArray();
    }

    private byte[] longId() {
        int length = switch (random.nextInt(4)) {
            case 0 -> 20 * 1024;
            case 1 -> 256 * 1024 + random.nextInt(MIB);
            case 2 -> 4 * MIB;
            default -> 254 + random.nextInt(20_000);
        };
        String unit = pick("a", "\u00e9", "\u4e2d", "%", "\"", "\n");
        return InspectRequest.newBuilder()
                .setId(unit.repeat(length / unit.getBytes(StandardCharsets.UTF_8).length))
                .build()
                .toByteArray();
    }

    private byte[] hostileSpec() {
        var node = Node.Spec.newBuilder().setName("a").setRuntime("debug");
        switch (random.nextInt(7)) {
            case 0 -> node.putRetry("fail", retry(Integer.MAX_VALUE));
            case 1 -> node.putRetry("error", retry(101 + random.nextInt(1000)));
            case 2 -> node.putRetry("fail", retry(-1 - random.nextInt(100)));
            case 3 -> node.setName("n".repeat(254 + random.nextInt(MIB)));
            case 4 -> node.setRuntime("r".repeat(254 + random.nextInt(100_000)));
            case 5 ->
                node.putMetadata(
                        "k".repeat(1 + random.nextInt(300_000)),
                        MetadataValue.newBuilder().addValues("v").build());
            default -> node.putRetry("\u00e9\u4e2d", retry(1));
        }
        var spec = GraphSpec.newBuilder().addNodes(node);
        if (random.nextBoolean()) {
            spec.addEdgesBuilder().setSource("a").setDestination("a".repeat(1 + random.nextInt(10_000)));
        }
        return StartRequest.newBuilder().setSpec(spec).build().toByteArray();
    }

    private static Node.Spec.Retry retry(int maxAttempts) {
        return Node.Spec.Retry.newBuilder().setMaxAttempts(maxAttempts).build();
    }

    private byte[] listBounds() {
        var out = new ByteArrayOutputStream();
        try {
            var coded = CodedOutputStream.newInstance(out);
            coded.writeInt64(1, random.nextLong());
            coded.writeInt64(2, random.nextLong());
            coded.writeUInt64(3, random.nextLong());
            if (random.nextBoolean()) {
                coded.writeBytes(99, ByteString.copyFrom(randomBytes(random.nextInt(1000))));
            }
            coded.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private byte[] truncated() {
        byte[] whole = StartRequest.newBuilder()
                .setSpec(GraphSpec.newBuilder()
                        .addNodes(Node.Spec.newBuilder().setName("abc").setRuntime("debug")))
                .build()
                .toByteArray();
        byte[] part = new byte[1 + random.nextInt(whole.length - 1)];
        System.arraycopy(whole, 0, part, 0, part.length);
        return part;
    }

    private Map<String, String> bigMetadata() {
        var metadata = new LinkedHashMap<String, String>();
        if (random.nextBoolean()) {
            metadata.put("x-big", "v".repeat(9 * 1024 + random.nextInt(64 * 1024)));
        } else {
            for (int i = 0, n = 200 + random.nextInt(2000); i < n; i++) {
                metadata.put("x-m" + i, Integer.toString(i));
            }
        }
        return metadata;
    }

    private Call call(String kind, String method, byte[] message) {
        return new Call(kind, method, message, Map.of());
    }

    private String anyMethod() {
        return pick("Stats", "Start", "ListRuns", "Inspect", "ListAgents", "Cancel", "Rerun", "Delete");
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] frame(int flag, int declaredLength, byte[] message) {
        return concat(
                new byte[] {(byte) flag},
                ByteBuffer.allocate(4).putInt(declaredLength).array(),
                message);
    }

    private static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (var p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
