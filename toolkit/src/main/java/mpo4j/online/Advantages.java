package mpo4j.online;

/**
 * Per-completion advantages and the statistic TRL logs with them.
 *
 * @param values one advantage per completion, in the batch's row order; 0 for unscorable completions
 * @param fracRewardZeroStd TRL's {@code frac_reward_zero_std}: the share of completions whose reward
 *     standard deviation (of their group, or of the batch for {@code scale_rewards="batch"}) is 0, i.e.
 *     that carry no learning signal
 */
public record Advantages(double[] values, double fracRewardZeroStd) {
    /** Copies the components, so the record stays immutable. */
    public Advantages {
        values = values.clone();
    }

    @Override
    public double[] values() { return values.clone(); }
}
