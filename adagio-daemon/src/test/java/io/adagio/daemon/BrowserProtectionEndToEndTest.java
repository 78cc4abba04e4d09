package io.adagio.daemon;

import static io.adagio.testkit.RawHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import adagio.rpc.controlplane.ControlPlaneGrpc;
import adagio.rpc.controlplane.Service.StatsRequest;
import io.adagio.testkit.RawHttp;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The drive-by requests a hostile web page can make a browser send, against a real adagiod with its
 * default settings: none of them starts anything.
 */
@ExtendWith(SharedDaemon.class)
class BrowserProtectionEndToEndTest {
    @TempDir
    Path dir;

    /** The request of the issue: an exec node that would create a file, as a cross-site "simple" POST. */
    private String execSpec(Path marker) {
        return "{\"spec\":{\"nodes\":[{\"name\":\"x\",\"runtime\":\"exec\",\"metadata\":"
                + "{\"adagio.arguments.exec.command\":{\"values\":[\"touch\"]},"
                + "\"adagio.arguments.exec.args\":{\"values\":[\"" + marker + "\"]}}}]}}";
    }

    @Test
    void simpleCrossSiteRequestsAre415AndCreateNoRun(SharedDaemon.Running daemon) {
        var http = new RawHttp(daemon.api().baseUrl());
        Path marker = dir.resolve("owned");
        String before = daemon.api().get("/v0/stats").body();
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", null}) {
            var request = http.request("POST", "/v0/runs")
                    .header("origin", "http://evil.example")
                    .body(execSpec(marker));
            if (type != null) {
                request.header("content-type", type);
            }
            var response = request.send();
            assertThat(response.status().code())
                    .as("%s: %s", type, response.contentUtf8())
                    .isEqualTo(415);
            assertThat(json(response).get("message").asText()).contains(type == null ? "no content type" : type);
        }
        assertThat(daemon.api().get("/v0/stats").body()).isEqualTo(before);
        assertThat(Files.exists(marker)).isFalse();
    }

    @Test
    void aForeignHostOrOriginIs403AndChangesNothing(SharedDaemon.Running daemon) {
        var http = new RawHttp(daemon.api().baseUrl());
        String before = daemon.api().get("/v0/stats").body();
        var rebound =
                http.request("GET", "/v0/stats").header("host", "evil.example").send();
        assertThat(rebound.status().code()).isEqualTo(403);
        assertThat(json(rebound).get("message").asText()).contains("\"evil.example\"");
        var reboundStart = http.request("PUT", "/v0/runs")
                .header(
                        "host",
                        "evil.example:" + URI.create(daemon.api().baseUrl()).getPort())
                .header("content-type", "application/json")
                .body(execSpec(dir.resolve("owned")))
                .send();
        assertThat(reboundStart.status().code()).isEqualTo(403);
        var foreign = http.request("PUT", "/v0/runs")
                .header("origin", "http://evil.example")
                .header("content-type", "application/json")
                .body(execSpec(dir.resolve("owned")))
                .send();
        assertThat(foreign.status().code()).isEqualTo(403);
        assertThat(json(foreign).get("message").asText()).contains("\"http://evil.example\"");
        assertThat(daemon.api().get("/v0/stats").body()).isEqualTo(before);
    }

    @Test
    void aGrpcClientNamingAForeignAuthorityIsPermissionDenied(SharedDaemon.Running daemon) throws Exception {
        var uri = URI.create(daemon.api().baseUrl());
        var channel = ManagedChannelBuilder.forAddress(uri.getHost(), uri.getPort())
                .usePlaintext()
                .overrideAuthority("evil.example:" + uri.getPort())
                .build();
        try {
            var stub = ControlPlaneGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> stub.stats(StatsRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(e.getStatus().getDescription()).contains("evil.example");
                    });
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
