package io.adagio.bench;

import java.io.PrintStream;

/** Progress lines on stderr, so that stdout carries only the results table. */
final class Progress {
    private final PrintStream out;
    private final long start = System.nanoTime();

    Progress(PrintStream out) {
        this.out = out;
    }

    void step(String message) {
        out.printf("[%6.1fs] %s%n", (System.nanoTime() - start) / 1e9, message);
        out.flush();
    }
}
