package io.adagio.server.security;

/** The request bodies the security tests send. */
final class TestSpecs {
    /** A start of the smallest run. */
    static final String SPEC = "{\"spec\": {\"nodes\": [{\"name\": \"x\", \"runtime\": \"debug\"}]}}";

    private TestSpecs() {}
}
