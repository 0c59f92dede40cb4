package mpo4j.notebook;

/**
 * One display area in a notebook that can be redrawn in place (Jupyter {@code update_display_data}),
 * e.g. a training progress bar with live reward curves. Outside a kernel it does nothing, so code that
 * drives it (a trainer listener) runs unchanged in JShell or tests; check {@link #isLive()} to fall back
 * to printing.
 */
public final class LiveDisplay {
    private final String id;

    LiveDisplay(String id) {
        this.id = id;
    }

    /** Opens a new display showing {@code initial}; a no-op handle outside a kernel. */
    public static LiveDisplay show(Object initial) {
        LiveDisplay display = new LiveDisplay(Notebook.newDisplayId());
        Notebook.showWithId(display.id, initial);
        return display;
    }

    /** A handle on an existing display, e.g. one opened with {@code display(obj)}. */
    public static LiveDisplay of(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("display id must not be blank");
        }
        return new LiveDisplay(id);
    }

    /** Redraws this display with {@code value}; no-op outside a kernel. Returns this for chaining. */
    public LiveDisplay update(Object value) {
        Notebook.updateDisplay(id, value);
        return this;
    }

    /** The Jupyter display id. */
    public String id() {
        return id;
    }

    /** True when updates reach a notebook (a cell is executing in a kernel). */
    public boolean isLive() {
        return Notebook.inKernel();
    }

    @Override
    public String toString() {
        return "display " + id;
    }
}
