package io.adagio.client;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a client proves itself to adagiod and checks adagiod's identity: TLS (the system's trusted
 * CAs, or a CA file), a client certificate for mutual TLS, and a bearer token.
 *
 * @param tls             whether to speak TLS (also when an https:// address, a CA or a client certificate is given)
 * @param caFile          null for the system's trusted CAs, or a PEM file of the CA(s) to trust
 * @param certificateFile null, or the PEM client certificate (then keyFile is set too)
 * @param keyFile         null, or the PEM (PKCS#8) private key of the client certificate
 * @param token           null, or the bearer token sent with every call
 */
record Credentials(boolean tls, Path caFile, Path certificateFile, Path keyFile, String token) {
    static final Credentials NONE = new Credentials(false, null, null, null, null);

    Credentials {
        if ((certificateFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("a client certificate needs its key and a key its certificate: "
                    + (certificateFile == null ? "only a key file is given" : "only a certificate file is given"));
        }
        readable(caFile, "CA file");
        readable(certificateFile, "client certificate file");
        readable(keyFile, "client key file");
        if (token != null) {
            token = token.strip();
            if (token.isEmpty() || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException(
                        "the token must be one line of visible ASCII characters without spaces");
            }
        }
        tls = tls || caFile != null || certificateFile != null;
    }

    /** The channel credentials for gRPC: plaintext, or TLS with the CA and client certificate given. */
    ChannelCredentials channelCredentials(boolean tlsAddress) {
        if (!tls && !tlsAddress) {
            return InsecureChannelCredentials.create();
        }
        var builder = TlsChannelCredentials.newBuilder();
        try {
            if (caFile != null) {
                builder.trustManager(caFile.toFile());
            }
            if (certificateFile != null) {
                builder.keyManager(certificateFile.toFile(), keyFile.toFile());
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "cannot use the TLS files ("
                            + (e.getMessage() != null ? e.getMessage() : e.toString())
                            + "): expected PEM certificates and an unencrypted PKCS#8 private key",
                    e);
        }
        return builder.build();
    }

    private static void readable(Path file, String what) {
        if (file != null && (!Files.isRegularFile(file) || !Files.isReadable(file))) {
            throw new IllegalArgumentException(what + " " + file + ": no such readable file");
        }
    }

    @Override
    public String toString() {
        // Never print the token.
        return "Credentials[tls=" + tls + ", caFile=" + caFile + ", certificateFile=" + certificateFile + ", keyFile="
                + keyFile + ", token=" + (token == null ? "none" : "***") + "]";
    }
}
