package io.adagio.daemon;

/** The usage text, laid out like Go's flag package prints it (as the original adagiod did). */
final class Usage {
    private Usage() {}

    static String text() {
        var b = new StringBuilder();
        b.append("""
                Usage: adagiod [api|agent] [OPTIONS]

                The adagio workflow agent and control plane API.

                With no subcommand adagiod runs the control-plane API and an agent pool in one
                process, sharing one repository. "api" runs only the API, "agent" only the agent
                pool; run them apart with a shared backend (-backend-type=etcd): the memory
                backend lives inside one process, so the other half could never see its state.

                Subcommands:
                  api
                    \trun only the control-plane API (gRPC, HTTP/JSON and web UI on one port)
                  agent
                    \trun only the agent pool

                Options:
                """);
        for (var option : Option.values()) {
            b.append("  ").append(option.flag());
            if (!option.isBoolean()) {
                b.append(' ').append(option.type());
            }
            b.append('\n');
            b.append("    \t").append(option.description());
            if (option.defaultValue() != null && !option.isBoolean()) {
                b.append(" (default ")
                        .append(
                                option.type().equals("string")
                                        ? "\"" + option.defaultValue() + "\""
                                        : option.defaultValue())
                        .append(')');
            }
            b.append('\n');
        }
        b.append("  -help\n    \tprint this help and exit\n");
        b.append("""

                Options may come before or after the subcommand, with one dash or two, as
                -backend-type=etcd or -backend-type etcd. Each option can also be set in the
                config file (key "backend-type") or the environment (ADAGIOD_BACKEND_TYPE).
                A flag wins over the environment, the environment over the config file.

                Examples:
                  adagiod                                  API and 5 agents on 127.0.0.1:7890, memory backend
                  adagiod -listen 127.0.0.1:8080 -agent-count 10
                  adagiod api -config examples/config-etcd.toml
                  adagiod agent -backend-type=etcd -etcd-addresses http://10.0.0.5:2379
                  adagiod agent -config examples/config-etcd.toml -runtimes debug
                  adagiod -listen 0.0.0.0:7890 -auth-token-file /etc/adagio/tokens \\
                          -tls-cert-file /etc/adagio/api.pem -tls-key-file /etc/adagio/api-key.pem

                The API refuses POST and PUT requests that are not JSON or gRPC, requests naming
                a host other than loopback, the listen address or -allowed-hosts, and requests
                from web pages of other origins than its own and -cors-allowed-origins: a web
                page must not be able to start commands on this machine.
                """);
        return b.toString();
    }
}
