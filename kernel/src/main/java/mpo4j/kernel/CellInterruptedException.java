package mpo4j.kernel;

import java.util.List;

/**
 * The cell was interrupted and came to an end by itself (a trainer stopped after its current step, a
 * loop checked {@code Thread.interrupted()}). Everything it assigned is kept; {@link #value()} is what
 * its last expression returned, if anything. Reported as an error, like Python's KeyboardInterrupt, so
 * "Run All" does not go on with the cells after it.
 */
public final class CellInterruptedException extends CellException {
    /** The error name a notebook shows. */
    static final String NAME = "CellInterrupted";

    private final transient Object value;

    CellInterruptedException(Object value) {
        super("the cell was interrupted", List.of(
                "It stopped early at your request; the variables it assigned keep their values (a trainer's"
                        + " run holds the steps it completed). Cells queued after it (Run All) are skipped."));
        this.value = value;
    }

    /** The value of the cell's last expression, or null. */
    public Object value() {
        return value;
    }
}
