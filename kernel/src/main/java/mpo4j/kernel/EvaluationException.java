package mpo4j.kernel;

import java.util.List;

/**
 * The cell threw. {@link #exceptionClass()} names what the user's code threw (e.g.
 * {@code java.lang.IllegalArgumentException}); the details are its stack trace without kernel frames.
 */
public final class EvaluationException extends CellException {
    private final String exceptionClass;

    EvaluationException(String exceptionClass, String message, List<String> details) {
        super(message, details);
        this.exceptionClass = exceptionClass;
    }

    /** The fully qualified class name of the exception the cell threw. */
    public String exceptionClass() {
        return exceptionClass;
    }
}
