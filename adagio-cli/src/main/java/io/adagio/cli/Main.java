package io.adagio.cli;

import io.adagio.client.AdagioClient;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code adagio}: the command-line client of the Adagio control plane.
 *
 * <p>Exit codes: 0 success; 1 a failure talking to the server, or a run that did not succeed;
 * 2 a usage error (unknown command or flag, bad flag value). Errors are one line on stderr.
 */
@Command(
        name = "adagio",
        description = "Start, follow and inspect Adagio workflow runs.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {
            RunsCommand.class,
            StatsCommand.class,
            AgentsCommand.class,
            CompletionCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Flags may be written with one dash or two (-host or --host), and with a space or '=' before their value.",
            "An adagiod that requires a token: set ADAGIO_TOKEN or pass -token-file.",
            "TLS: -host https://HOST:PORT, -tls or -ca-file; client certificates: -cert-file and -key-file.",
            "Run 'adagio COMMAND -help' for more about a command."
        })
public final class Main extends CommandBase {
    static final String ENV_HOST = "ADAGIO_HOST";
    static final String ENV_TOKEN = "ADAGIO_TOKEN";

    @Option(
            names = {"-host", "--host"},
            scope = ScopeType.INHERIT,
            paramLabel = "HOST:PORT",
            defaultValue = "${env:ADAGIO_HOST:-" + AdagioClient.DEFAULT_ADDRESS + "}",
            description = {
                "Address of adagiod.",
                "Default: $ADAGIO_HOST if set, else " + AdagioClient.DEFAULT_ADDRESS + "."
            })
    String host;

    @Option(
            names = {"-token-file", "--token-file"},
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = {
                "File holding the bearer token for an adagiod started with -auth-token-file.",
                "Default: the token in $ADAGIO_TOKEN, if set."
            })
    Path tokenFile;

    @Option(
            names = {"-tls", "--tls"},
            scope = ScopeType.INHERIT,
            description = "Connect with TLS, trusting the system's CAs (also implied by https://HOST:PORT).")
    boolean tls;

    @Option(
            names = {"-ca-file", "--ca-file"},
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "Connect with TLS, trusting the CA certificate(s) in this PEM file.")
    Path caFile;

    @Option(
            names = {"-cert-file", "--cert-file"},
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "Client certificate (PEM) for an adagiod that requires one (with -key-file).")
    Path certFile;

    @Option(
            names = {"-key-file", "--key-file"},
            scope = ScopeType.INHERIT,
            paramLabel = "FILE",
            description = "Private key (PEM, PKCS#8) of -cert-file.")
    Path keyFile;

    public static void main(String[] args) {
        int code = run(
                args,
                new PrintWriter(new OutputStreamWriter(System.out, System.out.charset()), true),
                new PrintWriter(new OutputStreamWriter(System.err, System.err.charset()), true));
        if (Training.requested()) {
            Training.exercise();
        }
        if (code != Errors.OK) {
            System.exit(code);
        }
        // Success ends with halt, after the output is flushed: System.exit looks up the JDK's
        // System.Logger for its exit event (JDK 21+), a search of every jar on the classpath for a
        // logger service that took about 50 ms of a 200 ms listing. A command that succeeded has
        // nothing left to run: the one shutdown hook (the watch table's) is removed by then.
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }

    /**
     * Runs one command line and returns its exit code; output goes to {@code out} and {@code err}.
     * A read-only listing takes the {@link LeanPath lean path} when it can, else the full one.
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        int lean = LeanPath.run(args, out, err);
        if (lean != LeanPath.NOT_HANDLED) {
            out.flush();
            err.flush();
            return lean;
        }
        return full(args, out, err);
    }

    /** The command line read by picocli and run with the gRPC client. */
    static int full(String[] args, PrintWriter out, PrintWriter err) {
        var main = new Main();
        var commandLine = new CommandLine(main)
                .setOut(out)
                .setErr(err)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler(Errors::usage)
                .setExecutionExceptionHandler(Errors::failure);
        int code = commandLine.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public Integer call() {
        throw missingCommand();
    }

    /**
     * A client of the server named by -host (flag, then $ADAGIO_HOST, then the default), with the
     * token of -token-file (else $ADAGIO_TOKEN) and the TLS settings of the flags.
     */
    AdagioClient client() {
        try {
            var builder = AdagioClient.builder().address(host).tls(tls).caFile(caFile);
            if (certFile != null || keyFile != null) {
                builder.clientCertificate(certFile, keyFile);
            }
            return builder.token(token()).build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private String token() {
        if (tokenFile == null) {
            String env = System.getenv(ENV_TOKEN);
            return env == null || env.isBlank() ? null : env.strip();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(tokenFile).stream()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty())
                    .toList();
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read -token-file " + tokenFile + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
        }
        if (lines.size() != 1) {
            throw new IllegalArgumentException(
                    "-token-file " + tokenFile + " must hold the token on one line, found " + lines.size() + " lines");
        }
        return lines.getFirst();
    }
}
