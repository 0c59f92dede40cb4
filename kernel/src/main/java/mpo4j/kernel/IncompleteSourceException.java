package mpo4j.kernel;

import java.util.List;

/** The cell ends in the middle of a statement (an unclosed brace, parenthesis or string). */
public final class IncompleteSourceException extends CellException {
    IncompleteSourceException(String message, List<String> details) {
        super(message, details);
    }
}
