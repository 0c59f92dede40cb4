package mpo4j.kernel;

import java.util.List;

/** The cell does not compile; the details point at the cell line and column of each problem. */
public final class CompilationException extends CellException {
    CompilationException(String message, List<String> details) {
        super(message, details);
    }
}
