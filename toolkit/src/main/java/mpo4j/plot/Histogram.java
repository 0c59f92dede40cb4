package mpo4j.plot;

import java.awt.Color;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Overlaid histograms of a few samples on shared bins, drawn as translucent steps: the distribution
 * of reward margins at an evaluation, or of a reward model's scores for right and wrong answers.
 *
 * @param edges  bin edges, ascending ({@code bins + 1} values); bin {@code i} is {@code [edges[i], edges[i+1])},
 *               the last bin also holds {@code edges[bins]}
 */
public record Histogram(double[] edges) {
    public Histogram {
        if (edges.length < 2) {
            throw new IllegalArgumentException("a histogram needs at least 2 bin edges, got " + edges.length);
        }
        edges = edges.clone();
        for (int i = 1; i < edges.length; i++) {
            if (!(edges[i] > edges[i - 1])) {
                throw new IllegalArgumentException("bin edges must increase, got " + edges[i - 1] + " then " + edges[i]);
            }
        }
    }

    /** {@code bins} equal bins over [lo, hi]. */
    public static Histogram of(double lo, double hi, int bins) {
        if (bins < 1 || !(hi > lo)) {
            throw new IllegalArgumentException("histogram needs bins >= 1 and lo < hi, got " + bins + " bins over [" + lo + ", " + hi + "]");
        }
        double[] e = new double[bins + 1];
        for (int i = 0; i <= bins; i++) {
            e[i] = lo + (hi - lo) * i / bins;
        }
        return new Histogram(e);
    }

    /** Equal bins over the finite values of every sample (a unit range around a single value). */
    public static Histogram spanning(Map<String, double[]> samples, int bins) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] s : samples.values()) {
            for (double v : s) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo > hi) {
            lo = 0;
            hi = 1;
        } else if (lo == hi) {
            lo -= 0.5;
            hi += 0.5;
        }
        return of(lo, hi, bins);
    }

    /** How many finite values fall in each bin; values outside [first edge, last edge] are not counted. */
    public int[] counts(double[] values) {
        int bins = edges.length - 1;
        int[] counts = new int[bins];
        for (double v : values) {
            if (!Double.isFinite(v) || v < edges[0] || v > edges[bins]) {
                continue;
            }
            int i = java.util.Arrays.binarySearch(edges, v);
            int bin = i >= 0 ? Math.min(i, bins - 1) : -i - 2;
            counts[bin]++;
        }
        return counts;
    }

    /** One chart, a translucent step area per sample in {@link ChartStyle#PALETTE} order (or {@code colours}). */
    public XYChart chart(String title, String xTitle, Map<String, double[]> samples, Color... colours) {
        XYChart chart = ChartStyle.chart(480, 300, title, xTitle, "pairs");
        int k = 0;
        for (Map.Entry<String, double[]> e : samples.entrySet()) {
            int[] counts = counts(e.getValue());
            // a step series holds each count from its left edge to the next; repeat the last count at the right edge
            double[] y = new double[edges.length];
            for (int i = 0; i < counts.length; i++) {
                y[i] = counts[i];
            }
            y[counts.length] = counts.length == 0 ? 0 : counts[counts.length - 1];
            XYSeries s = chart.addSeries(e.getKey() + " (" + e.getValue().length + ")", edges.clone(), y);
            Color c = k < colours.length ? colours[k] : ChartStyle.colour(k);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
            s.setFillColor(ChartStyle.faint(c, 0.35));
            s.setLineColor(c);
            s.setMarker(SeriesMarkers.NONE);
            k++;
        }
        return chart;
    }
}
