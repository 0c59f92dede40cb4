package mpo4j.online;

import java.util.Map;

/**
 * Scores of one batch from several reward functions.
 *
 * @param perFunction {@code [function][completion]}, NaN where a function returned null
 * @param rewards per completion, the weighted sum over functions with NaN counted as 0; NaN when every
 *     function returned null (an unscorable completion)
 * @param metrics TRL's names: {@code rewards/<name>/mean}, {@code rewards/<name>/std} (over the
 *     completions the function scored; std with n - 1), {@code reward}, {@code reward_std} (over scorable
 *     completions)
 */
public record RewardScores(double[][] perFunction, double[] rewards, Map<String, Double> metrics) {
    /** Copies the components, so the record stays immutable. */
    public RewardScores {
        perFunction = perFunction.clone();
        for (int f = 0; f < perFunction.length; f++) {
            perFunction[f] = perFunction[f].clone();
        }
        rewards = rewards.clone();
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    }

    @Override
    public double[] rewards() { return rewards.clone(); }

    /** The scores of function {@code f}. */
    public double[] function(int f) { return perFunction[f].clone(); }

    @Override
    public double[][] perFunction() {
        double[][] out = perFunction.clone();
        for (int f = 0; f < out.length; f++) {
            out[f] = out[f].clone();
        }
        return out;
    }
}
