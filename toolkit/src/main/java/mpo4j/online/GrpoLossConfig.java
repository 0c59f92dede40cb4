package mpo4j.online;

/**
 * The settings of TRL's {@code GRPOConfig} that define the GRPO/GSPO policy loss, with TRL's defaults.
 * Immutable; each setting has a copy method of its name.
 *
 * @param epsilon lower clipping bound {@code 1 - epsilon} (TRL default 0.2)
 * @param epsilonHigh upper bound {@code 1 + epsilonHigh}; null means "same as epsilon" (TRL's default;
 *     DAPO recommends 0.28)
 * @param beta weight of the k3 KL to the reference per token; TRL's default 0 needs no reference model
 * @param importanceSamplingLevel token (GRPO) or sequence (GSPO)
 * @param lossType aggregation; TRL's default {@link GrpoLossType#DAPO}
 * @param maxCompletionLength the constant of {@link GrpoLossType#DR_GRPO} (TRL default 512)
 * @param useBiasCorrectionKl multiply the k3 KL by the importance ratio (TRL default false)
 */
public record GrpoLossConfig(
        double epsilon,
        Double epsilonHigh,
        double beta,
        ImportanceSamplingLevel importanceSamplingLevel,
        GrpoLossType lossType,
        int maxCompletionLength,
        boolean useBiasCorrectionKl) {

    /** TRL's defaults. */
    public static final GrpoLossConfig DEFAULT =
            new GrpoLossConfig(0.2, null, 0.0, ImportanceSamplingLevel.TOKEN, GrpoLossType.DAPO, 512, false);

    /** Validates the components; the message names the setting, the bad value and the valid range. */
    public GrpoLossConfig {
        if (!(epsilon >= 0 && epsilon <= 1)) {
            throw new IllegalArgumentException("epsilon must be in [0, 1], got " + epsilon);
        }
        if (epsilonHigh != null && !(epsilonHigh >= 0 && Double.isFinite(epsilonHigh))) {
            throw new IllegalArgumentException("epsilon_high must be a finite number >= 0 (or null for epsilon), got " + epsilonHigh);
        }
        if (!(beta >= 0 && Double.isFinite(beta))) {
            throw new IllegalArgumentException("beta must be a finite number >= 0, got " + beta);
        }
        if (importanceSamplingLevel == null || lossType == null) {
            throw new IllegalArgumentException("importance_sampling_level and loss_type must be set");
        }
        if (maxCompletionLength < 1) {
            throw new IllegalArgumentException("max_completion_length must be >= 1, got " + maxCompletionLength);
        }
    }

    /** The upper clipping epsilon in effect: {@code epsilonHigh}, or {@code epsilon} when unset. */
    public double upperEpsilon() { return epsilonHigh == null ? epsilon : epsilonHigh; }

    /** A copy with {@code epsilon} replaced; validated like the constructor. */
    public GrpoLossConfig epsilon(double v) { return new GrpoLossConfig(v, epsilonHigh, beta, importanceSamplingLevel, lossType, maxCompletionLength, useBiasCorrectionKl); }

    /** A copy with {@code epsilonHigh} replaced; validated like the constructor. */
    public GrpoLossConfig epsilonHigh(Double v) { return new GrpoLossConfig(epsilon, v, beta, importanceSamplingLevel, lossType, maxCompletionLength, useBiasCorrectionKl); }

    /** A copy with {@code beta} replaced; validated like the constructor. */
    public GrpoLossConfig beta(double v) { return new GrpoLossConfig(epsilon, epsilonHigh, v, importanceSamplingLevel, lossType, maxCompletionLength, useBiasCorrectionKl); }

    /** A copy with {@code importanceSamplingLevel} replaced; validated like the constructor. */
    public GrpoLossConfig importanceSamplingLevel(ImportanceSamplingLevel v) { return new GrpoLossConfig(epsilon, epsilonHigh, beta, v, lossType, maxCompletionLength, useBiasCorrectionKl); }

    /** A copy with {@code lossType} replaced; validated like the constructor. */
    public GrpoLossConfig lossType(GrpoLossType v) { return new GrpoLossConfig(epsilon, epsilonHigh, beta, importanceSamplingLevel, v, maxCompletionLength, useBiasCorrectionKl); }

    /** A copy with {@code maxCompletionLength} replaced; validated like the constructor. */
    public GrpoLossConfig maxCompletionLength(int v) { return new GrpoLossConfig(epsilon, epsilonHigh, beta, importanceSamplingLevel, lossType, v, useBiasCorrectionKl); }

    /** A copy with {@code useBiasCorrectionKl} replaced; validated like the constructor. */
    public GrpoLossConfig useBiasCorrectionKl(boolean v) { return new GrpoLossConfig(epsilon, epsilonHigh, beta, importanceSamplingLevel, lossType, maxCompletionLength, v); }
}
