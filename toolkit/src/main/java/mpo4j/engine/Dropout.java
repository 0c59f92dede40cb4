package mpo4j.engine;

import java.util.function.Supplier;

/**
 * Whether dropout layers drop on the current thread. TRL's {@code disable_dropout} (on by default in
 * DPO) sets the probability of every {@code nn.Dropout} of the policy and the reference to 0, LoRA's
 * {@code lora_dropout} included; here a trainer runs its work through {@link #off} instead of editing
 * the model, so the same model keeps its configured dropout for other uses (an SFT run, a user's own
 * loop). Dropout layers ask {@link #enabled()}; they still drop only while gradients are recorded.
 *
 * <p>Per thread, like {@link GradMode}: a model's forward runs on the thread that called it.
 */
public final class Dropout {
    private static final ThreadLocal<Boolean> OFF = new ThreadLocal<>();

    private Dropout() {}

    /** False while a body given to {@link #off} runs on this thread. */
    public static boolean enabled() {
        return OFF.get() == null;
    }

    /** Runs {@code body} with every dropout layer passing its input through, then restores the previous state. */
    public static <T> T off(Supplier<T> body) {
        Boolean before = OFF.get();
        OFF.set(Boolean.TRUE);
        try {
            return body.get();
        } finally {
            if (before == null) {
                OFF.remove();
            } else {
                OFF.set(before);
            }
        }
    }

    /** {@link #off} when {@code disable}, else {@code body} as it is. */
    public static <T> T off(boolean disable, Supplier<T> body) {
        return disable ? off(body) : body.get();
    }
}
