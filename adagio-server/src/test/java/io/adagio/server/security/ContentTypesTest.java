package io.adagio.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContentTypesTest {
    @ParameterizedTest
    @ValueSource(
            strings = {
                "application/json",
                "application/json; charset=utf-8",
                "Application/JSON",
                "application/grpc",
                "application/grpc+proto",
                "application/grpc+json",
                "application/grpc-web",
                "application/grpc-web+proto",
                "application/grpc-web-text",
                "application/grpc-web-text+proto"
            })
    void jsonAndGrpcAreAccepted(String type) {
        assertThat(ContentTypes.acceptable(type)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "text/plain",
                "text/plain; charset=utf-8",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "text/json",
                "application/jsonx",
                "application/grpcx",
                "application/octet-stream",
                "application/merge-patch+json",
                "json",
                "",
                " ",
                ";;;"
            })
    void everythingElseIsRefused(String type) {
        assertThat(ContentTypes.acceptable(type)).isFalse();
    }

    @Test
    void noContentTypeIsRefused() {
        assertThat(ContentTypes.acceptable(null)).isFalse();
        assertThat(ContentTypes.refusal(HttpMethod.POST, null)).contains("POST with no content type");
    }

    @Test
    void onlyPostAndPutAreChecked() {
        assertThat(ContentTypes.checked(HttpMethod.POST)).isTrue();
        assertThat(ContentTypes.checked(HttpMethod.PUT)).isTrue();
        assertThat(ContentTypes.checked(HttpMethod.GET)).isFalse();
        assertThat(ContentTypes.checked(HttpMethod.HEAD)).isFalse();
        assertThat(ContentTypes.checked(HttpMethod.DELETE)).isFalse();
        assertThat(ContentTypes.checked(HttpMethod.OPTIONS)).isFalse();
    }

    @Test
    void theRefusalQuotesTheType() {
        assertThat(ContentTypes.refusal(HttpMethod.PUT, "text/plain"))
                .contains("PUT with content type \"text/plain\"", "application/json");
    }
}
