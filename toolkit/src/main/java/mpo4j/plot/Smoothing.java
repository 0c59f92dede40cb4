package mpo4j.plot;

/**
 * The exponential moving average TensorBoard and Weights &amp; Biases draw over noisy training curves
 * (per-step accuracy on a batch of 8 jumps between 0 and 1; its trend does not). Debiased as they do
 * it: the average starts at 0 and is divided by {@code 1 − w^(i+1)}, so the first points are not
 * pulled towards 0.
 */
public final class Smoothing {
    /** TensorBoard's default smoothing weight. */
    public static final double DEFAULT_WEIGHT = 0.6;

    private Smoothing() {}

    /**
     * A weight for a curve of {@code points} points: TensorBoard's 0.6 for short runs, rising to 0.95 so
     * the average spans about a twentieth of a long run ({@code 1 − 20/points}): 100 points → 0.8,
     * 300 points → 0.933. Per-step accuracy on a batch of 8 needs that much to show a trend.
     */
    public static double autoWeight(int points) {
        return Math.max(DEFAULT_WEIGHT, Math.min(0.95, 1 - 20.0 / Math.max(points, 1)));
    }

    /**
     * {@code s_i = m_i / (1 − w^(i+1))} with {@code m_i = w·m_(i−1) + (1 − w)·y_i}, {@code m_(−1) = 0}.
     * Non-finite values are skipped (their output repeats the previous smoothed value, NaN before any).
     * {@code weight} 0 returns the values unchanged.
     */
    public static double[] ema(double[] y, double weight) {
        if (!(weight >= 0 && weight < 1)) {
            throw new IllegalArgumentException("smoothing weight must be in [0, 1), got " + weight);
        }
        double[] out = new double[y.length];
        double m = 0;
        double debias = 1;
        double last = Double.NaN;
        for (int i = 0; i < y.length; i++) {
            if (Double.isFinite(y[i])) {
                m = weight * m + (1 - weight) * y[i];
                debias *= weight;
                last = m / (1 - debias);
            }
            out[i] = last;
        }
        return out;
    }
}
