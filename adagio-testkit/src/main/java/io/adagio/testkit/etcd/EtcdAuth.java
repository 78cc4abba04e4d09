package io.adagio.testkit.etcd;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Turns on etcd's authentication as an operator would: a {@code root} user with the root role, and
 * for each {@link User} a role that may read and write its namespace only. Through etcd's JSON
 * gateway ({@code /v3/auth/...}), so that neither etcdctl nor an etcd client library is needed.
 */
final class EtcdAuth {
    static final String ROOT = "root";

    /** A user allowed the keys under {@code <namespace>/}. */
    record User(String name, String password, String namespace) {
        User {
            if (name.equals(ROOT)) {
                throw new IllegalArgumentException("\"root\" is made by the fixture; see EtcdCluster.rootPassword()");
            }
        }
    }

    private EtcdAuth() {}

    static void enable(String clientUrl, EtcdTls tls, List<User> users, String rootPassword) {
        var builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            builder.sslContext(tls.clientContext());
        }
        try (var http = builder.build()) {
            var call = new Call(http, clientUrl);
            call.post(
                    "/v3/auth/user/add", "{\"name\": %s, \"password\": %s}".formatted(json(ROOT), json(rootPassword)));
            call.post("/v3/auth/role/add", "{\"name\": %s}".formatted(json(ROOT)));
            call.post("/v3/auth/user/grant", "{\"user\": %s, \"role\": %s}".formatted(json(ROOT), json(ROOT)));
            for (var user : users) {
                var role = user.name() + "-role";
                call.post(
                        "/v3/auth/user/add",
                        "{\"name\": %s, \"password\": %s}".formatted(json(user.name()), json(user.password())));
                call.post("/v3/auth/role/add", "{\"name\": %s}".formatted(json(role)));
                // The range [<namespace>/, <namespace>0): every key under <namespace>/.
                call.post(
                        "/v3/auth/role/grant",
                        "{\"name\": %s, \"perm\": {\"permType\": \"READWRITE\", \"key\": %s, \"range_end\": %s}}"
                                .formatted(
                                        json(role),
                                        json(base64(user.namespace() + "/")),
                                        json(base64(user.namespace() + "0"))));
                call.post(
                        "/v3/auth/user/grant", "{\"user\": %s, \"role\": %s}".formatted(json(user.name()), json(role)));
            }
            call.post("/v3/auth/enable", "{}");
        }
    }

    private record Call(HttpClient http, String base) {
        void post(String path, String body) {
            HttpResponse<String> response;
            try {
                response = http.send(
                        HttpRequest.newBuilder(URI.create(base + path))
                                .timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new IllegalStateException("etcd at " + base + " did not answer " + path + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (response.statusCode() != 200 || response.body().contains("\"error\"")) {
                throw new IllegalStateException(
                        "etcd refused " + path + ": " + response.statusCode() + " " + response.body());
            }
        }
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A JSON string literal. */
    private static String json(String s) {
        var out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
