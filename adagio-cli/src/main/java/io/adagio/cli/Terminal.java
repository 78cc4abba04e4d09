package io.adagio.cli;

import java.io.Console;

/** Whether standard output is an interactive terminal (for live progress instead of plain lines). */
final class Terminal {
    private Terminal() {}

    static boolean isInteractive() {
        if (System.getenv("ADAGIO_NO_TTY") != null) {
            return false;
        }
        Console console = System.console();
        if (console == null) {
            return false;
        }
        // From JDK 22 System.console() may return a console for redirected streams too; it then
        // tells with isTerminal(). The project compiles for 21, where that method does not exist.
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /**
     * The terminal's rows and columns, as {@code stty size} reads them from the controlling terminal;
     * 24 × 80 when that cannot be told.
     */
    static int[] size() {
        try {
            var stty = new ProcessBuilder("stty", "size")
                    .redirectInput(new java.io.File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            var text =
                    new String(stty.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (stty.waitFor() == 0 && text.matches("\\d+ \\d+")) {
                var parts = text.split(" ");
                return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
            }
        } catch (java.io.IOException e) {
            // no terminal to ask
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new int[] {24, 80};
    }
}
