package mpo4j.bench;

import java.util.Arrays;

/** Percentiles of a sample of timings (linear interpolation between order statistics, as numpy's default). */
public final class Stats {
    private Stats() {}

    /** The {@code q}-quantile ({@code 0 <= q <= 1}) of {@code values}; {@code NaN} for an empty sample. */
    public static double quantile(double[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
    }

    public static double median(double[] values) { return quantile(values, 0.5); }
}
