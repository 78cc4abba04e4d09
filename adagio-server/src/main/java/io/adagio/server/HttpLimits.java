package io.adagio.server;

/**
 * What the port accepts before any route sees a request, named so that refusals can say which limit
 * was passed: the body (the API's request limit), the request line (path and query) and the headers.
 * A request over one is answered 413, 414 or 431 (RESOURCE_EXHAUSTED or INVALID_ARGUMENT to gRPC).
 */
record HttpLimits(int maxRequestBytes, int maxRequestLineBytes, int maxHeaderBytes) {
    /** Armeria's and Netty's defaults, made explicit: a path segment is at most 253 characters anyway. */
    static final int DEFAULT_REQUEST_LINE_BYTES = 4096;

    static final int DEFAULT_HEADER_BYTES = 8192;

    static HttpLimits of(int maxRequestBytes) {
        return new HttpLimits(maxRequestBytes, DEFAULT_REQUEST_LINE_BYTES, DEFAULT_HEADER_BYTES);
    }
}
