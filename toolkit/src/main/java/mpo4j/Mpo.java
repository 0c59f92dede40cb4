package mpo4j;

/**
 * The notebook facade: {@code import static mpo4j.Mpo.*;} brings every fluent entry point into scope.
 *
 * <p>It only delegates; each capability lives in its own package ({@code data}, {@code vision},
 * {@code text}, {@code collate}, {@code loss}, {@code model}, {@code train}, {@code reward},
 * {@code plot}, {@code notebook}).
 */
public final class Mpo {
    static {
        Mpo4jEngine.ensureOffline();
    }

    private Mpo() {}

    // ---------------------------------------------------------------- data (mpo4j.data)


    // ---------------------------------------------------------------- vision (mpo4j.vision)


    // ---------------------------------------------------------------- text (mpo4j.text)


    // ---------------------------------------------------------------- collate (mpo4j.collate)


    // ---------------------------------------------------------------- loss (mpo4j.loss)


    // ---------------------------------------------------------------- model (mpo4j.model)


    // ---------------------------------------------------------------- train (mpo4j.train)


    // ---------------------------------------------------------------- reward (mpo4j.reward)


    // ---------------------------------------------------------------- plot (mpo4j.plot)


    // ---------------------------------------------------------------- notebook (mpo4j.notebook)

    /**
     * Shows {@code value} under the running cell (charts and images as PNG, tables as HTML); in plain
     * JShell prints its text form (charts as ASCII). Returns a handle to redraw it: {@code d.update(v)}.
     */
    public static mpo4j.notebook.LiveDisplay display(Object value) {
        return mpo4j.notebook.Notebook.display(value);
    }

    /** Redraws the display {@code id} (from {@code display(obj).id()}) with {@code value}; no-op outside a kernel. */
    public static void updateDisplay(String id, Object value) {
        mpo4j.notebook.Notebook.updateDisplay(id, value);
    }

}
