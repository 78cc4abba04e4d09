package io.adagio.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.adagio.core.model.Agent;
import io.adagio.core.model.Run;
import io.adagio.core.model.Stats;
import io.adagio.proto.controlplane.ListAgentsResponse;
import io.adagio.proto.controlplane.ListRunsResponse;
import io.adagio.wire.WireMapping;
import java.util.List;

/**
 * {@code -o json} and {@code -printer json}: the wire's JSON (protobuf's JSON mapping, snake_case
 * names, default values included). Apart from {@link Printers} so that printing a table never
 * loads protobuf's JSON printer.
 */
final class JsonPrinters {
    private JsonPrinters() {}

    private static final JsonFormat.Printer JSON =
            JsonFormat.printer().preservingProtoFieldNames().includingDefaultValueFields();

    static String json(MessageOrBuilder message) {
        try {
            return JSON.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    static String runJson(Run run) {
        return json(WireMapping.toProto(run));
    }

    static String runsJson(List<Run> runs) {
        return json(ListRunsResponse.newBuilder()
                .addAllRuns(runs.stream().map(WireMapping::toProto).toList()));
    }

    static String agentsJson(List<Agent> agents) {
        return json(ListAgentsResponse.newBuilder()
                .addAllAgents(agents.stream().map(WireMapping::toProto).toList()));
    }

    static String statsJson(Stats stats) {
        return json(WireMapping.toProto(stats));
    }
}
