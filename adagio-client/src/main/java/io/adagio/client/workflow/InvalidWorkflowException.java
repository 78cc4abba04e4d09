package io.adagio.client.workflow;

import java.util.List;

/** A workflow that breaks the graph rules; the message is the validator's and names every problem. */
public final class InvalidWorkflowException extends IllegalArgumentException {
    private final List<String> problems;

    InvalidWorkflowException(String message, List<String> problems, RuntimeException cause) {
        super(message, cause);
        this.problems = List.copyOf(problems);
    }

    /** Each problem found, one per entry. */
    public List<String> problems() {
        return problems;
    }
}
