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
}
