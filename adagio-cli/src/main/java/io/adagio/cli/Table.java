package io.adagio.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Left-aligned text columns separated by two spaces, like Go's tabwriter in kubectl's tables. */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    Table(String... header) {
        columns = header.length;
        rows.add(header);
    }

    Table row(Object... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("expected " + columns + " cells, got " + cells.length);
        }
        var text = new String[columns];
        for (int i = 0; i < columns; i++) {
            text[i] = cells[i] == null ? "" : cells[i].toString();
        }
        rows.add(text);
        return this;
    }

    void print(PrintWriter out) {
        print(out, 0);
    }

    /** For key-value blocks: the empty header row is left out. */
    void printWithoutHeader(PrintWriter out) {
        print(out, 1);
    }

    private void print(PrintWriter out, int firstRow) {
        var widths = new int[columns];
        for (var row : rows.subList(firstRow, rows.size())) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row[i].codePointCount(0, row[i].length()));
            }
        }
        var line = new StringBuilder();
        for (var row : rows.subList(firstRow, rows.size())) {
            line.setLength(0);
            for (int i = 0; i < columns; i++) {
                line.append(row[i]);
                if (i < columns - 1) {
                    line.repeat(' ', widths[i] - row[i].codePointCount(0, row[i].length()) + 2);
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
