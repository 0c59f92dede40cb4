package mpo4j.text;

/** Label conventions shared by encoders, collators and losses. */
public final class Labels {
    private Labels() {}

    /**
     * The label of a position that is not trained (system, user, assistant prefix, image tokens,
     * padding): {@code -100}, PyTorch's {@code ignore_index} and the value Hugging Face collators use.
     */
    public static final long IGNORE = -100;
}
