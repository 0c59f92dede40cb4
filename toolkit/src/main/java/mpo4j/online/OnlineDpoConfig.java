package mpo4j.online;

import java.util.List;
import java.util.Locale;

/**
 * The settings of TRL's {@code OnlineDPOConfig} that define its loss, with TRL's defaults. Immutable;
 * each setting has a copy method of its name.
 *
 * @param beta one beta per epoch, the last one for every later epoch (TRL default [0.1]); TRL 1.13
 *     crashes on a list of several, here {@link #betaAt} picks the epoch's value
 * @param lossType "sigmoid" (default) or "ipo"
 * @param missingEosPenalty subtracted from the score of a completion without eos before ranking; null = none
 */
public record OnlineDpoConfig(List<Double> beta, String lossType, Double missingEosPenalty) {
    /** TRL's defaults. */
    public static final OnlineDpoConfig DEFAULT = new OnlineDpoConfig(List.of(0.1), "sigmoid", null);

    /** Validates the components; the message names the setting, the bad value and the valid range. */
    public OnlineDpoConfig {
        beta = List.copyOf(beta);
        if (beta.isEmpty()) {
            throw new IllegalArgumentException("beta needs at least one value");
        }
        for (Double b : beta) {
            if (!(b > 0 && Double.isFinite(b))) {
                throw new IllegalArgumentException("beta values must be finite numbers > 0, got " + beta);
            }
        }
        lossType = lossType.toLowerCase(Locale.ROOT);
        if (!lossType.equals("sigmoid") && !lossType.equals("ipo")) {
            throw new IllegalArgumentException("loss_type must be sigmoid or ipo, got " + lossType);
        }
        if (missingEosPenalty != null && !(missingEosPenalty >= 0 && Double.isFinite(missingEosPenalty))) {
            throw new IllegalArgumentException("missing_eos_penalty must be a finite number >= 0, got " + missingEosPenalty);
        }
    }

    /** The beta of epoch {@code epoch} (from 0): its own value, or the last one past the list. */
    public double betaAt(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        return beta.get(Math.min(epoch, beta.size() - 1));
    }

    /** A copy with one beta for every epoch. */
    public OnlineDpoConfig beta(double v) { return new OnlineDpoConfig(List.of(v), lossType, missingEosPenalty); }

    /** A copy with a beta per epoch (the last one for every later epoch). */
    public OnlineDpoConfig beta(List<Double> v) { return new OnlineDpoConfig(v, lossType, missingEosPenalty); }

    /** A copy with {@code lossType} replaced; validated like the constructor. */
    public OnlineDpoConfig lossType(String v) { return new OnlineDpoConfig(beta, v, missingEosPenalty); }

    /** A copy with {@code missingEosPenalty} replaced; validated like the constructor. */
    public OnlineDpoConfig missingEosPenalty(Double v) { return new OnlineDpoConfig(beta, lossType, v); }
}
