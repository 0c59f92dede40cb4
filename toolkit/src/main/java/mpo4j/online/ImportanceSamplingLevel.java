package mpo4j.online;

import java.util.Locale;

/** TRL's {@code importance_sampling_level}. */
public enum ImportanceSamplingLevel {
    /** One ratio {@code exp(logp - old)} per token (GRPO). */
    TOKEN,
    /**
     * One ratio per completion, {@code exp(mean over its tokens of (logp - old))}, clipped per completion
     * (GSPO).
     */
    SEQUENCE;

    /** TRL's spelling: "token" or "sequence". */
    public static ImportanceSamplingLevel of(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "token": return TOKEN;
            case "sequence": return SEQUENCE;
            default: throw new IllegalArgumentException("importance_sampling_level must be token or sequence, got " + name);
        }
    }

    /** The TRL spelling of this value. */
    public String trlName() { return name().toLowerCase(Locale.ROOT); }
}
