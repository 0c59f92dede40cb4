package mpo4j.plot;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Axis ticks a reader can count on: a step of 1, 2 or 5 times a power of ten (the steps XChart
 * itself draws, so a chart can be held to them), ticks at whole
 * multiples of that step (so 0 is a tick whenever the range spans it), and labels written the way a
 * person writes numbers ({@code 0.02}, not {@code .02}; {@code 1e-4} only where plain digits would be
 * long). What TensorBoard's and matplotlib's default locators do, as plain functions.
 */
public final class NiceTicks {
    /** Ticks an axis aims for when the caller does not say. */
    public static final int DEFAULT_TARGET = 6;
    private static final double[] MANTISSAS = {1, 2, 5, 10};

    private NiceTicks() {}

    /**
     * The smallest nice step that cuts {@code [min, max]} into at most {@code target} intervals.
     * A degenerate range (min == max) gets the step of a range ±10% around it (or 1 around 0).
     */
    public static double step(double min, double max, int target) {
        check(min, max, target);
        double span = max - min;
        if (span == 0) {
            span = min == 0 ? 2 : Math.abs(min) * 0.2;
        }
        double raw = span / target;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : MANTISSAS) {
            double step = clean(m * power);
            if (Math.ceil(max / step - 1e-9) - Math.floor(min / step + 1e-9) <= target) {
                return step;
            }
        }
        return clean(10 * power);
    }

    /**
     * The tick values from the last multiple of the step at or below {@code min} to the first at or
     * above {@code max}, so the ticks enclose the data: [−6, −4.2] with target 6 → −6, −5.5, …, −4.
     */
    public static List<Double> ticks(double min, double max, int target) {
        double step = step(min, max, target);
        long first = (long) Math.floor(min / step + 1e-9);
        long last = (long) Math.ceil(max / step - 1e-9);
        if (first == last) {   // a degenerate range still gets an interval around it
            first--;
            last++;
        }
        List<Double> ticks = new ArrayList<>();
        for (long k = first; k <= last; k++) {
            ticks.add(clean(k * step));
        }
        return ticks;
    }

    /**
     * A tick label: at most 4 significant digits, a leading zero before the point, no trailing zeros,
     * no "-0"; scientific notation below 1e-4 and from 1e6 on.
     */
    public static String label(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        if (v == 0 || Math.abs(v) < 1e-12) {
            return "0";
        }
        BigDecimal d = new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros();
        double abs = Math.abs(v);
        if (abs < 1e-4 || abs >= 1e6) {
            String s = String.format(java.util.Locale.ROOT, "%.3e", d.doubleValue());
            // 1.500e-05 → 1.5e-5
            String mantissa = s.substring(0, s.indexOf('e')).replaceAll("\\.?0+$", "");
            int exponent = Integer.parseInt(s.substring(s.indexOf('e') + 1));
            return mantissa + "e" + exponent;
        }
        return d.toPlainString();
    }

    // 0.1 * 3 = 0.30000000000000004: round to 12 significant digits so ticks compare and print cleanly
    private static double clean(double v) {
        return v == 0 ? 0 : new BigDecimal(v).round(new MathContext(12)).doubleValue() + 0.0;
    }

    private static void check(double min, double max, int target) {
        if (!Double.isFinite(min) || !Double.isFinite(max) || min > max) {
            throw new IllegalArgumentException("tick range must be finite with min <= max, got [" + min + ", " + max + "]");
        }
        if (target < 1) {
            throw new IllegalArgumentException("target tick count must be >= 1, got " + target);
        }
    }
}
