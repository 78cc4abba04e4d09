package io.adagio.daemon.hostile;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The answer to an HTTP/1.1 request that asked for an h2c upgrade and got {@code 101 Switching
 * Protocols}: the server then serves that very request as HTTP/2 stream 1 (RFC 7540 §3.2), so its
 * status and body are in the HTTP/2 frames that follow, not in the 101. A test that stopped at the
 * 101 would miss, say, a run that the upgraded request started.
 */
final class UpgradedAnswer {
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int GOAWAY = 0x7;
    private static final int CONTINUATION = 0x9;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int PADDED = 0x8;
    private static final int PRIORITY = 0x20;
    /** The stream an upgraded request is answered on. */
    private static final int UPGRADED_STREAM = 1;

    private UpgradedAnswer() {}

    /** Reads frames until stream 1 ends; its status, headers and body are the request's answer. */
    static RawExchange.Answer read(InputStream in, long started) throws IOException {
        var decoder = new DefaultHttp2HeadersDecoder(false);
        var block = new ByteArrayOutputStream();
        var body = new ByteArrayOutputStream();
        Map<String, String> headers = null;
        int status = -1;
        boolean endStreamAfterBlock = false;
        while (true) {
            byte[] head = in.readNBytes(9);
            if (head.length < 9) {
                return failed(started, "the connection closed before HTTP/2 stream 1 ended");
            }
            int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
            int type = head[3] & 0xff;
            int flags = head[4] & 0xff;
            int stream =
                    ((head[5] & 0x7f) << 24) | ((head[6] & 0xff) << 16) | ((head[7] & 0xff) << 8) | (head[8] & 0xff);
            byte[] payload = in.readNBytes(length);
            if (payload.length < length) {
                return failed(started, "the connection closed inside an HTTP/2 frame");
            }
            if (type == GOAWAY && status < 0) {
                return failed(started, "GOAWAY before stream 1 was answered");
            }
            if (stream != UPGRADED_STREAM) {
                continue;
            }
            switch (type) {
                case RST_STREAM -> {
                    return failed(started, "stream 1 was reset");
                }
                case DATA -> {
                    body.write(unpadded(payload, flags, 0));
                    if ((flags & END_STREAM) != 0) {
                        return new RawExchange.Answer(status, headers, body.toByteArray(), since(started), null);
                    }
                }
                case HEADERS, CONTINUATION -> {
                    if (type == HEADERS) {
                        endStreamAfterBlock = (flags & END_STREAM) != 0;
                        block.write(unpadded(payload, flags, (flags & PRIORITY) != 0 ? 5 : 0));
                    } else {
                        block.write(payload);
                    }
                    if ((flags & END_HEADERS) == 0) {
                        continue;
                    }
                    var decoded = decode(decoder, block.toByteArray());
                    block.reset();
                    if (headers == null) {
                        headers = decoded;
                        status = Integer.parseInt(decoded.getOrDefault(":status", "-1"));
                    }
                    if (endStreamAfterBlock) {
                        return new RawExchange.Answer(status, headers, body.toByteArray(), since(started), null);
                    }
                }
                default -> {
                    // WINDOW_UPDATE, PRIORITY and the like say nothing about the answer.
                }
            }
        }
    }

    private static byte[] unpadded(byte[] payload, int flags, int skip) {
        int padding = (flags & PADDED) != 0 ? payload[0] & 0xff : 0;
        int from = ((flags & PADDED) != 0 ? 1 : 0) + skip;
        return Arrays.copyOfRange(payload, from, payload.length - padding);
    }

    private static Map<String, String> decode(DefaultHttp2HeadersDecoder decoder, byte[] block) throws IOException {
        try {
            Http2Headers decoded = decoder.decodeHeaders(UPGRADED_STREAM, Unpooled.wrappedBuffer(block));
            var headers = new LinkedHashMap<String, String>();
            decoded.forEach(h -> headers.merge(
                    h.getKey().toString().toLowerCase(Locale.ROOT), h.getValue().toString(), (a, b) -> a + ", " + b));
            return headers;
        } catch (Http2Exception e) {
            throw new IOException("an HTTP/2 header block that does not decode", e);
        }
    }

    private static RawExchange.Answer failed(long started, String why) {
        return new RawExchange.Answer(-1, Map.of(), new byte[0], since(started), why);
    }

    private static Duration since(long started) {
        return Duration.ofNanos(System.nanoTime() - started);
    }
}
