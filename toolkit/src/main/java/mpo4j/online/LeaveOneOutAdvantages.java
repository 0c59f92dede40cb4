package mpo4j.online;

import ai.djl.ndarray.NDArray;

/**
 * RLOO's advantages, as TRL's {@code RLOOTrainer} computes them: each completion's reward minus the mean
 * reward of the other scorable completions of its prompt, optionally normalised over the batch with
 * {@code (A - mean) / (std + 1e-4)} ({@code normalize_advantages}). The KL to the reference enters as a
 * reward penalty ({@link #penalize}), not as a loss term.
 *
 * <p>Layout and NaN handling as in {@link GroupAdvantages}: an unscorable completion (NaN) is left out of
 * its siblings' baselines and gets advantage 0; so does a completion without scorable siblings.
 */
public final class LeaveOneOutAdvantages {
    private LeaveOneOutAdvantages() {}

    /**
     * @param rewards one reward per completion (already KL-penalised), NaN for unscorable ones
     * @param numGenerations completions per prompt
     * @param normalizeAdvantages TRL's {@code normalize_advantages} (default false)
     */
    public static Advantages compute(double[] rewards, int numGenerations, boolean normalizeAdvantages) {
        int n = rewards.length;
        GroupAdvantages.checkGroups(n, numGenerations);
        double[] advantages = new double[n];
        int zeroStd = 0;
        for (int from = 0; from < n; from += numGenerations) {
            int to = from + numGenerations;
            double sum = 0;
            int scorable = 0;
            for (int i = from; i < to; i++) {
                if (!Double.isNaN(rewards[i])) {
                    sum += rewards[i];
                    scorable++;
                }
            }
            for (int i = from; i < to; i++) {
                // baseline = (group sum - own reward) / (scorable - 1): NaN for unscorable rows and for a
                // lone scorable row (0 / 0), both zeroed below.
                advantages[i] = numGenerations > 1 ? rewards[i] - (sum - rewards[i]) / (scorable - 1) : 0;
            }
            double std = numGenerations > 1 ? NanStats.nanstd(rewards, from, to) : 0;
            zeroStd += NanStats.isZero(std) ? numGenerations : 0;
        }
        if (normalizeAdvantages) {
            double mean = NanStats.nanmean(advantages);
            double std = NanStats.nanstd(advantages);
            for (int i = 0; i < n; i++) {
                advantages[i] = (advantages[i] - mean) / (std + GroupAdvantages.STD_EPSILON);
            }
        }
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(advantages[i])) {
                advantages[i] = 0;
            }
        }
        return new Advantages(advantages, n == 0 ? Double.NaN : (double) zeroStd / n);
    }

    /**
     * RLOO's KL penalty: {@code r - beta * sum_t mask * (old_logp - ref_logp)}, the first-order estimate
     * summed over each completion (it can be negative, unlike GRPO's k3).
     *
     * @param rewards one reward per completion
     * @param oldLogps per-token log-probs of the sampling policy {@code [B, T]}
     * @param refLogps per-token log-probs of the reference {@code [B, T]}
     * @param mask completion mask {@code [B, T]}
     * @param beta TRL's {@code beta} (RLOO default 0.05)
     * @return the penalised rewards (NaN stays NaN)
     */
    public static double[] penalize(double[] rewards, NDArray oldLogps, NDArray refLogps, NDArray mask, double beta) {
        double[] kl = sequenceKl(oldLogps, refLogps, mask);
        if (kl.length != rewards.length) {
            throw new IllegalArgumentException(rewards.length + " rewards but " + kl.length + " completions of log-probs");
        }
        double[] out = new double[rewards.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = rewards[i] - beta * kl[i];
        }
        return out;
    }

    /** Per completion, {@code sum_t mask * (old - ref)}, on the host. */
    public static double[] sequenceKl(NDArray oldLogps, NDArray refLogps, NDArray mask) {
        if (!oldLogps.getShape().equals(refLogps.getShape()) || !oldLogps.getShape().equals(mask.getShape())
                || oldLogps.getShape().dimension() != 2) {
            throw new IllegalArgumentException("old log-probs, reference log-probs and mask must all be [B, T], got "
                    + oldLogps.getShape() + ", " + refLogps.getShape() + ", " + mask.getShape());
        }
        int rows = Math.toIntExact(oldLogps.getShape().get(0));
        int length = Math.toIntExact(oldLogps.getShape().get(1));
        double[] old = HostArrays.doubles(oldLogps);
        double[] ref = HostArrays.doubles(refLogps);
        double[] m = HostArrays.doubles(mask);
        double[] kl = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int t = r * length; t < (r + 1) * length; t++) {
                kl[r] += m[t] * (old[t] - ref[t]);
            }
        }
        return kl;
    }
}
