package mpo4j.online;

/**
 * TRL's NaN-aware statistics over plain arrays: {@code torch.nanmean} and TRL's {@code nanstd}, which
 * applies Bessel's correction (n - 1) over the non-NaN values and gives NaN for fewer than two.
 */
final class NanStats {
    private NanStats() {}

    /** Mean of the non-NaN values of {@code x[from, to)}; NaN when there are none. */
    static double nanmean(double[] x, int from, int to) {
        double sum = 0;
        int n = 0;
        for (int i = from; i < to; i++) {
            if (!Double.isNaN(x[i])) {
                sum += x[i];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Sample standard deviation (n - 1) of the non-NaN values of {@code x[from, to)}; NaN for fewer than 2. */
    static double nanstd(double[] x, int from, int to) {
        double mean = nanmean(x, from, to);
        double squares = 0;
        int n = 0;
        for (int i = from; i < to; i++) {
            if (!Double.isNaN(x[i])) {
                squares += (x[i] - mean) * (x[i] - mean);
                n++;
            }
        }
        return n < 2 ? Double.NaN : Math.sqrt(squares / (n - 1));
    }

    static double nanmean(double[] x) { return nanmean(x, 0, x.length); }

    static double nanstd(double[] x) { return nanstd(x, 0, x.length); }

    /** {@code torch.isclose(std, 0)} with its default tolerances: |std| <= 1e-8 (NaN is not close). */
    static boolean isZero(double std) { return Math.abs(std) <= 1e-8; }
}
