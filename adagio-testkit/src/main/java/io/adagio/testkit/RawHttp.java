package io.adagio.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.RequestHeaders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Requests as an attacker or a browser would send them: any method, body, Host and headers, over
 * HTTP/1.1 like curl. Armeria's client writes the {@code :authority} given as the Host header
 * (the JDK's client refuses to set Host). Needs Armeria on the class path (an optional dependency
 * of the test kit: the modules that use this have it).
 */
public final class RawHttp {
    public static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final ClientFactory factory;

    public RawHttp(String base, ClientFactory factory) {
        this.base = base;
        this.factory = factory;
    }

    public RawHttp(String base) {
        this(base, ClientFactory.ofDefault());
    }

    public Request request(String method, String path) {
        return new Request(method, path);
    }

    public AggregatedHttpResponse get(String path) {
        return request("GET", path).send();
    }

    public String stats() {
        return get("/v0/stats").contentUtf8();
    }

    public static JsonNode json(AggregatedHttpResponse response) {
        try {
            return JSON.readTree(response.contentUtf8());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + response.contentUtf8(), e);
        }
    }

    public final class Request {
        private final String method;
        private final String path;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String body;

        private Request(String method, String path) {
            this.method = method;
            this.path = path;
        }

        public Request header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Request json(String text) {
            return header("content-type", "application/json").body(text);
        }

        public Request body(String text) {
            this.body = text;
            return this;
        }

        public AggregatedHttpResponse send() {
            // h1c / h1: HTTP/1.1, as curl speaks it by default.
            var client = WebClient.builder(
                            base.replaceFirst("^https://", "h1://").replaceFirst("^http://", "h1c://"))
                    .factory(factory)
                    .build();
            var builder = RequestHeaders.builder(HttpMethod.valueOf(method), path);
            headers.forEach((name, value) -> {
                if (name.equalsIgnoreCase("host")) {
                    builder.authority(value);
                } else {
                    builder.add(name, value);
                }
            });
            var request = body == null
                    ? HttpRequest.of(builder.build())
                    : HttpRequest.of(builder.build(), HttpData.ofUtf8(body));
            return client.execute(request).aggregate().join();
        }
    }
}
