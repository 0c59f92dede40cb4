package mpo4j.plot;

import java.awt.Color;
import java.util.List;
import java.util.function.Function;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The look every toolkit chart shares: axes that tick at {@link NiceTicks} (0 included when the
 * range spans it, labels with a leading zero), the legend under the plot in one row so it never
 * covers a series or eats the plot's width, and one palette.
 *
 * <p>Why the hidden series: XChart ticks an axis at the data's own values when they are equally
 * spaced (steps 1, 2, 3 …; a linspace of margins), which gave ticks like −6, −5.1, −4.2 and x labels
 * that ran together. {@link #niceAxes} adds one invisible point off that grid, so XChart falls back to
 * its 1-2-5 algorithm (ticks at multiples of its step, so 0 whenever the range spans it), within an
 * axis range widened to {@link NiceTicks}; a label function writes the numbers.
 */
public final class ChartStyle {
    /** Name of the invisible point that fixes the axis ranges; left out of legends and text plots. */
    public static final String RANGE_SERIES = "(axis range)";
    /** Series colours, matplotlib's "tab10" order: blue, orange, green, red, purple, brown, pink, grey. */
    public static final List<Color> PALETTE = List.of(new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f));

    private ChartStyle() {}

    /** A new XY chart with the shared look (legend below the plot, white background). */
    public static XYChart chart(int width, int height, String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        var styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.OutsideS);
        styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesColor(new Color(0xe6e6e6));
        styler.setMarkerSize(6);
        return chart;
    }

    /** The colour {@code i} of {@link #PALETTE}, cycling. */
    public static Color colour(int i) {
        return PALETTE.get(Math.floorMod(i, PALETTE.size()));
    }

    /** {@code c} at {@code alpha} (0..1), e.g. the faint raw series behind a smoothed one. */
    public static Color faint(Color c, double alpha) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), (int) Math.round(255 * alpha));
    }

    /**
     * Holds both axes of {@code chart} to {@link NiceTicks}: ranges widened to the enclosing ticks and
     * labels only at multiples of the nice step (whole numbers only when every x value is whole, as
     * steps are). Moves XChart's default legend (right of the plot, where it takes up to half the
     * width) below the plot. Safe to call again after series were added: it recomputes. Leaves an
     * axis alone whose range or label function the caller set. Returns the chart.
     */
    public static XYChart niceAxes(XYChart chart) {
        var styler = chart.getStyler();
        boolean ours = chart.getSeries(RANGE_SERIES) != null;
        if (ours) {
            chart.removeSeries(RANGE_SERIES);
        }
        if (styler.getLegendPosition() == Styler.LegendPosition.OutsideE) {
            styler.setLegendPosition(Styler.LegendPosition.OutsideS);
            styler.setLegendLayout(Styler.LegendLayout.Horizontal);
        }
        if (styler.getLegendPosition() == Styler.LegendPosition.OutsideS) {
            // one row of entries wider than the chart gets cut off: stack them instead
            int chars = chart.getSeriesCollection().stream().filter(XYSeries::isShowInLegend)
                    .mapToInt(s -> s.getLabel().length() + 6).sum();
            styler.setLegendLayout(chars * 7 > chart.getWidth() ? Styler.LegendLayout.Vertical : Styler.LegendLayout.Horizontal);
        }
        boolean userX = !ours && (styler.getXAxisMin() != null || styler.getXAxisMax() != null
                || styler.getxAxisTickLabelsFormattingFunction() != null);
        boolean userY = !ours && (styler.getYAxisMin() != null || styler.getYAxisMax() != null
                || styler.getyAxisTickLabelsFormattingFunction() != null);
        boolean numbers = chart.getSeriesCollection().stream()
                .allMatch(s -> s.getxAxisDataType() == org.knowm.xchart.internal.series.Series.DataType.Number);
        double[] x = range(chart, true);
        double[] y = range(chart, false);
        if (x == null || y == null || userX || userY || !numbers) {   // dates keep XChart's own calendar ticks
            return chart;
        }
        boolean integerX = chart.getSeriesCollection().stream()
                .allMatch(s -> java.util.Arrays.stream(s.getXData()).allMatch(v -> v == Math.rint(v)));
        List<Double> xTicks = NiceTicks.ticks(x[0], x[1], Math.max(2, chart.getWidth() / 90));
        List<Double> yTicks = NiceTicks.ticks(y[0], y[1], Math.max(2, chart.getHeight() / 60));
        double xStep = xTicks.get(1) - xTicks.get(0);
        if (integerX && xStep < 1) {
            xStep = 1;
        }
        double xLo = Math.floor(x[0] / xStep + 1e-9) * xStep;
        double xHi = Math.max(Math.ceil(x[1] / xStep - 1e-9) * xStep, xLo + xStep);
        double yLo = yTicks.get(0);
        double yHi = yTicks.get(yTicks.size() - 1);
        // one point at an irrational fraction of the range: never on the data's grid
        XYSeries range = chart.addSeries(RANGE_SERIES, new double[] {xLo + (xHi - xLo) / Math.PI},
                new double[] {yLo + (yHi - yLo) / Math.PI});
        range.setShowInLegend(false);
        range.setMarker(SeriesMarkers.NONE);
        range.setLineStyle(SeriesLines.NONE);
        range.setLineColor(new Color(0, 0, 0, 0));
        styler.setXAxisMin(xLo).setXAxisMax(xHi).setYAxisMin(yLo).setYAxisMax(yHi);
        styler.setXAxisTickLabelsFormattingFunction(integerX ? ChartStyle::wholeLabel : ChartStyle::label);
        styler.setYAxisTickLabelsFormattingFunction(ChartStyle::label);
        return chart;
    }

    /** A tick label ({@link NiceTicks#label}): leading zero, at most 4 significant digits. */
    static String label(Double v) {
        return NiceTicks.label(v);
    }

    /** Whole numbers only (steps): "" elsewhere, which makes XChart pick a coarser step. */
    static String wholeLabel(Double v) {
        return Math.abs(v - Math.rint(v)) < 1e-9 ? NiceTicks.label(Math.rint(v)) : "";
    }

    /** [min, max] of the finite values of the visible series on one axis, or null when there are none. */
    private static double[] range(XYChart chart, boolean xAxis) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (XYSeries s : chart.getSeriesCollection()) {
            if (s.getName().equals(RANGE_SERIES)) {
                continue;
            }
            for (double v : xAxis ? s.getXData() : s.getYData()) {
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        return lo <= hi ? new double[] {lo, hi} : null;
    }
}
