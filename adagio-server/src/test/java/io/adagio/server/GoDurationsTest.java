package io.adagio.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.adagio.proto.controlplane.StartRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoDurationsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "500ms, 0.5s",
        "1m30s, 90s",
        "2h, 7200s",
        "1.5m, 90s",
        "250us, 0.00025s",
        "1ns, 0.000000001s",
        "0ms, 0s",
        "-3s500ms, -3.5s"
    })
    void goSpellingsBecomeTheProtobufForm(String go, String protobuf) {
        assertThat(GoDurations.protobufForm(go)).isEqualTo(protobuf);
    }

    @ParameterizedTest
    @CsvSource({"1.5s", "30s", "soon", "5", "1d", "''"})
    void theProtobufFormAndNonsenseAreLeftAlone(String text) {
        assertThat(GoDurations.protobufForm(text)).isNull();
    }

    @Test
    void everyDurationOfAStartRequestIsRewrittenAndNothingElse() throws Exception {
        String json = """
                {"spec": {"nodes": [{"name": "a", "runtime": "exec", "timeout": "1m",
                  "metadata": {"adagio.arguments.exec.timeout": {"values": ["500ms"]}},
                  "retry": {"fail": {"maxAttempts": 3, "backoff": {"initial": "500ms", "maximum": "2.5s"}},
                            "error": {"max_attempts": 2, "backoff": {"initial": "1h"}}}}]}}""";
        byte[] rewritten = GoDurations.rewrite(json.getBytes(StandardCharsets.UTF_8), StartRequest.getDescriptor());

        var request = StartRequest.newBuilder();
        JsonFormat.parser().merge(new String(rewritten, StandardCharsets.UTF_8), request);
        var node = request.getSpec().getNodes(0);
        assertThat(node.getTimeout().getSeconds()).isEqualTo(60);
        var fail = node.getRetryOrThrow("fail").getBackoff();
        assertThat(fail.getInitial().getNanos()).isEqualTo(500_000_000);
        assertThat(fail.getMaximum().getSeconds()).isEqualTo(2);
        assertThat(fail.getMaximum().getNanos()).isEqualTo(500_000_000);
        assertThat(node.getRetryOrThrow("error").getBackoff().getInitial().getSeconds())
                .isEqualTo(3600);
        assertThat(node.getMetadataOrThrow("adagio.arguments.exec.timeout").getValues(0))
                .isEqualTo("500ms");
    }

    @Test
    void aRequestWithoutDurationsIsPassedOnAsItIs() {
        byte[] json =
                "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\"}]}}".getBytes(StandardCharsets.UTF_8);
        assertThat(GoDurations.rewrite(json, StartRequest.getDescriptor())).isSameAs(json);
        byte[] protobufForm =
                "{\"spec\": {\"nodes\": [{\"name\": \"a\", \"runtime\": \"debug\", \"timeout\": \"1.5s\"}]}}"
                        .getBytes(StandardCharsets.UTF_8);
        assertThat(GoDurations.rewrite(protobufForm, StartRequest.getDescriptor()))
                .isSameAs(protobufForm);
    }
}
