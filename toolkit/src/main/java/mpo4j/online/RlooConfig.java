package mpo4j.online;

/**
 * The settings of TRL's {@code RLOOConfig} that define RLOO's rewards, advantages and loss, with TRL's
 * defaults. Immutable; each setting has a copy method of its name.
 *
 * @param beta weight of the KL reward penalty (TRL default 0.05, so a reference model is needed)
 * @param epsilon lower clipping bound of the sequence ratio {@code 1 - epsilon} (0.2)
 * @param epsilonHigh upper bound {@code 1 + epsilonHigh}; null = epsilon
 * @param normalizeAdvantages normalise advantages over the batch (default false)
 */
public record RlooConfig(double beta, double epsilon, Double epsilonHigh, boolean normalizeAdvantages) {
    /** TRL's defaults. */
    public static final RlooConfig DEFAULT = new RlooConfig(0.05, 0.2, null, false);

    /** Validates the components; the message names the setting, the bad value and the valid range. */
    public RlooConfig {
        if (!(beta >= 0 && Double.isFinite(beta))) {
            throw new IllegalArgumentException("beta must be a finite number >= 0, got " + beta);
        }
        if (!(epsilon >= 0 && epsilon <= 1)) {
            throw new IllegalArgumentException("epsilon must be in [0, 1], got " + epsilon);
        }
        if (epsilonHigh != null && !(epsilonHigh >= 0 && Double.isFinite(epsilonHigh))) {
            throw new IllegalArgumentException("epsilon_high must be a finite number >= 0 (or null for epsilon), got " + epsilonHigh);
        }
    }

    /** The upper clipping epsilon in effect. */
    public double upperEpsilon() { return epsilonHigh == null ? epsilon : epsilonHigh; }

    /** A copy with {@code beta} replaced; validated like the constructor. */
    public RlooConfig beta(double v) { return new RlooConfig(v, epsilon, epsilonHigh, normalizeAdvantages); }

    /** A copy with {@code epsilon} replaced; validated like the constructor. */
    public RlooConfig epsilon(double v) { return new RlooConfig(beta, v, epsilonHigh, normalizeAdvantages); }

    /** A copy with {@code epsilonHigh} replaced; validated like the constructor. */
    public RlooConfig epsilonHigh(Double v) { return new RlooConfig(beta, epsilon, v, normalizeAdvantages); }

    /** A copy with {@code normalizeAdvantages} replaced; validated like the constructor. */
    public RlooConfig normalizeAdvantages(boolean v) { return new RlooConfig(beta, epsilon, epsilonHigh, v); }
}
