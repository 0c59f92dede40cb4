package mpo4j.notebook;

import java.util.Optional;
import java.util.UUID;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;

/**
 * The bridge between toolkit code and whatever is showing it. Inside a jjava-jupyter kernel (mpo4j's own
 * or JJava) values are rendered with the kernel's renderer and published as display data; in plain JShell
 * or a program, {@link #display} prints {@link Render#text} and display updates are dropped.
 */
public final class Notebook {
    private Notebook() {}

    /** True while a notebook cell is executing in a kernel, i.e. when displays reach a notebook. */
    public static boolean inKernel() {
        return kernel().map(k -> k.getIO().display.isAttached()).orElse(false);
    }

    /** Shows {@code value} below the running cell (prints its text outside a kernel); returns its handle. */
    public static LiveDisplay display(Object value) {
        String id = newDisplayId();
        Optional<BaseKernel> kernel = kernel();
        if (kernel.isPresent()) {
            DisplayData data = kernel.get().getRenderer().render(value);
            data.setDisplayId(id);
            kernel.get().display(data);
        } else {
            System.out.println(Render.text(value));
        }
        return new LiveDisplay(id);
    }

    /** Replaces the display {@code id} with {@code value}; does nothing outside a kernel. */
    public static void updateDisplay(String id, Object value) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("display id must not be blank");
        }
        kernel().ifPresent(k -> k.getIO().display.updateDisplay(id, k.getRenderer().render(value)));
    }

    static String newDisplayId() {
        return UUID.randomUUID().toString();
    }

    /** Publishes {@code value} as a new display with {@code id}; no-op outside a kernel. */
    static void showWithId(String id, Object value) {
        kernel().ifPresent(k -> {
            DisplayData data = k.getRenderer().render(value);
            data.setDisplayId(id);
            k.display(data);
        });
    }

    static Optional<BaseKernel> kernel() {
        try {
            return Optional.of(BaseKernel.notebookKernel());
        } catch (NullPointerException noKernel) {
            // notebookKernel() reports "no kernel running" with a NullPointerException.
            return Optional.empty();
        }
    }
}
