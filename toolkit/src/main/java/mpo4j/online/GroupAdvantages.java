package mpo4j.online;

/**
 * GRPO's group-relative advantages, as TRL's {@code GRPOTrainer} computes them (default
 * {@code multi_objective_aggregation="sum_then_normalize"}): each completion's reward minus the mean of
 * its prompt's group, divided by {@code std + 1e-4} where the std follows {@link ScaleRewards}.
 *
 * <p>Rewards are laid out prompt-major: {@code numGenerations} consecutive rows per prompt. A NaN reward
 * marks an unscorable completion (every reward function returned null): it is left out of the means and
 * standard deviations, and its advantage is 0. Standard deviations use Bessel's correction (n - 1), as
 * TRL's {@code nanstd}; a group with a single scorable completion has an undefined std, so its advantages
 * are 0 too (TRL's {@code nan_to_num}).
 */
public final class GroupAdvantages {
    /** TRL's constant in {@code (r - mean) / (std + 1e-4)}. */
    public static final double STD_EPSILON = 1e-4;

    private GroupAdvantages() {}

    /**
     * @param rewards one reward per completion, NaN for unscorable ones
     * @param numGenerations completions per prompt; must divide {@code rewards.length}
     * @param scale which standard deviation to divide by
     */
    public static Advantages compute(double[] rewards, int numGenerations, ScaleRewards scale) {
        int n = rewards.length;
        checkGroups(n, numGenerations);
        double[] mean = new double[n];
        double[] std = new double[n];
        for (int from = 0; from < n; from += numGenerations) {
            int to = from + numGenerations;
            double m = NanStats.nanmean(rewards, from, to);
            // num_generations == 1 (evaluation only in TRL): the std is taken as 0.
            double s = numGenerations > 1 ? NanStats.nanstd(rewards, from, to) : 0;
            for (int i = from; i < to; i++) {
                mean[i] = m;
                std[i] = s;
            }
        }
        if (scale == ScaleRewards.BATCH) {
            double s = n > 1 ? NanStats.nanstd(rewards) : 0;
            java.util.Arrays.fill(std, s);
        }
        double[] advantages = new double[n];
        int zeroStd = 0;
        for (int i = 0; i < n; i++) {
            double a = rewards[i] - mean[i];
            if (scale != ScaleRewards.NONE) {
                a /= std[i] + STD_EPSILON;
            }
            advantages[i] = Double.isNaN(a) ? 0 : a;
            zeroStd += NanStats.isZero(std[i]) ? 1 : 0;
        }
        return new Advantages(advantages, n == 0 ? Double.NaN : (double) zeroStd / n);
    }

    static void checkGroups(int n, int numGenerations) {
        if (numGenerations < 1) {
            throw new IllegalArgumentException("num_generations must be >= 1, got " + numGenerations);
        }
        if (n % numGenerations != 0) {
            throw new IllegalArgumentException(n + " rewards do not split into groups of num_generations = " + numGenerations);
        }
    }
}
