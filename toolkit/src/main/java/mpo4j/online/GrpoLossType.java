package mpo4j.online;

import java.util.Locale;

/** TRL's {@code loss_type} for {@code GRPOTrainer}: how per-token losses become one number. */
public enum GrpoLossType {
    /** Per completion, the mean over its tokens; then the mean over completions (length-biased). */
    GRPO,
    /** Sum over the micro-batch's completion tokens divided by their count. */
    BNPO,
    /** Sum divided by {@code rows * max_completion_length} (Dr. GRPO's constant). */
    DR_GRPO,
    /**
     * TRL's default. Sum divided by the number of completion tokens in the whole generation batch
     * ({@code num_items_in_batch}), so the micro-batch losses of one optimizer step add up to the
     * token-level mean (DAPO).
     */
    DAPO;

    /** TRL's spelling: "grpo", "bnpo", "dr_grpo", "dapo". */
    public static GrpoLossType of(String name) {
        for (GrpoLossType t : values()) {
            if (t.trlName().equals(name.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("loss_type must be one of grpo, bnpo, dr_grpo, dapo, got " + name);
    }

    /** The TRL spelling of this value. */
    public String trlName() { return name().toLowerCase(Locale.ROOT); }
}
