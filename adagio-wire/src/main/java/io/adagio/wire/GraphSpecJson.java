package io.adagio.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.adagio.core.model.GraphSpec;
import io.adagio.core.repository.RepositoryException;

/**
 * Reads graph specs written as JSON in the protobuf JSON mapping (both snake_case and lowerCamelCase
 * field names), the format of the examples and of {@code PUT /v0/runs}.
 */
public final class GraphSpecJson {
    private static final JsonFormat.Parser PARSER = JsonFormat.parser();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames();

    private GraphSpecJson() {}

    /** @throws RepositoryException.InvalidSpec when the text is not a graph spec in JSON */
    public static GraphSpec parse(String json) {
        var builder = io.adagio.proto.GraphSpec.newBuilder();
        try {
            PARSER.merge(json, builder);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new RepositoryException.InvalidSpec(
                    java.util.List.of("malformed graph spec JSON: " + e.getMessage()));
        }
        return WireMapping.fromProto(builder.build());
    }

    public static String print(GraphSpec spec) {
        try {
            return PRINTER.print(WireMapping.toProto(spec));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
