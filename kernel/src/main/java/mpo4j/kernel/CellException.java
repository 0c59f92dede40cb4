package mpo4j.kernel;

import java.util.List;

/**
 * A cell that could not run to the end. The message is the one-line summary a notebook shows next to
 * the error name; {@link #details()} are the lines of the traceback area (no kernel stack frames).
 */
public abstract class CellException extends RuntimeException {
    private final List<String> details;

    CellException(String message, List<String> details) {
        super(message);
        this.details = List.copyOf(details);
    }

    /** The lines shown under the summary: the offending source with a caret, or the user's stack trace. */
    public List<String> details() {
        return details;
    }
}
