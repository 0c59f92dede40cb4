package mpo4j.online;

import java.util.Locale;

/** TRL's {@code scale_rewards}: what GRPO divides the centred rewards by. */
public enum ScaleRewards {
    /** {@code "group"} (TRL's default): the standard deviation of the prompt's group. */
    GROUP,
    /** {@code "batch"}: the standard deviation of the whole generation batch (the mean stays per group). */
    BATCH,
    /** {@code "none"}: no division (Dr. GRPO). */
    NONE;

    /** TRL's spelling: "group", "batch", "none"; TRL also accepts "true" (= group) and "false" (= none). */
    public static ScaleRewards of(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "group": case "true": return GROUP;
            case "batch": return BATCH;
            case "none": case "false": return NONE;
            default: throw new IllegalArgumentException("scale_rewards must be one of group, batch, none, got " + name);
        }
    }

    /** The TRL spelling. */
    public String trlName() { return name().toLowerCase(Locale.ROOT); }
}
