package mpo4j.notebook;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * Line plots drawn with characters, for charts shown in a terminal (JShell): each series gets a
 * marker, the axes are labelled with their range, and a legend names the markers.
 *
 * <pre>
 * loss
 *   0.69 |*
 *        | ***
 *        |    ****
 *   0.35 |        *******
 *        +---------------
 *         0             3   step
 *   * train
 * </pre>
 */
final class AsciiPlot {
    private static final String MARKERS = "*o+x#@%&";

    private AsciiPlot() {}

    /** The series of an XY chart by name; XChart 4 keeps them package-private, hence the reflection. */
    static Map<String, XYSeries> series(XYChart chart) {
        try {
            Field field = Chart.class.getDeclaredField("seriesMap");
            field.setAccessible(true);
            Map<?, ?> map = (Map<?, ?>) field.get(chart);
            Map<String, XYSeries> out = new LinkedHashMap<>();
            map.forEach((k, v) -> {
                XYSeries s = (XYSeries) v;
                if (s.isEnabled() && s.isShowInLegend()) {   // leaves out the axis-range point and faint raw copies
                    out.put(String.valueOf(k), s);
                }
            });
            return out;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** The plot, or null when the chart's data is not reachable (then callers fall back to a raster). */
    static String plot(XYChart chart, int width, int height) {
        Map<String, XYSeries> series = series(chart);
        if (series == null) {
            return null;
        }
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (XYSeries s : series.values()) {
            double[] xs = s.getXData();
            double[] ys = s.getYData();
            for (int i = 0; i < Math.min(xs.length, ys.length); i++) {
                if (Double.isFinite(xs[i]) && Double.isFinite(ys[i])) {
                    xMin = Math.min(xMin, xs[i]);
                    xMax = Math.max(xMax, xs[i]);
                    yMin = Math.min(yMin, ys[i]);
                    yMax = Math.max(yMax, ys[i]);
                }
            }
        }
        StringBuilder out = new StringBuilder();
        if (chart.getTitle() != null && !chart.getTitle().isBlank()) {
            out.append(chart.getTitle()).append('\n');
        }
        if (xMin > xMax) {
            return out.append("(no data)\n").toString();
        }
        String top = number(yMax);
        String bottom = number(yMin);
        int labelWidth = Math.max(top.length(), bottom.length());
        int cols = Math.max(8, width - labelWidth - 2);
        int rows = Math.max(3, height);
        char[][] grid = new char[rows][cols];
        for (char[] row : grid) {
            java.util.Arrays.fill(row, ' ');
        }
        int index = 0;
        List<String> legend = new ArrayList<>();
        for (Map.Entry<String, XYSeries> e : series.entrySet()) {
            char marker = MARKERS.charAt(index++ % MARKERS.length());
            legend.add(marker + " " + e.getKey());
            double[] xs = e.getValue().getXData();
            double[] ys = e.getValue().getYData();
            int n = Math.min(xs.length, ys.length);
            for (int i = 0; i < n; i++) {
                if (!Double.isFinite(xs[i]) || !Double.isFinite(ys[i])) {
                    continue;
                }
                int c0 = col(xs[i], xMin, xMax, cols);
                put(grid, row(ys[i], yMin, yMax, rows), c0, marker);
                // Fill the columns up to the next point so lines read as lines.
                if (i + 1 < n && Double.isFinite(xs[i + 1]) && Double.isFinite(ys[i + 1])) {
                    int c1 = col(xs[i + 1], xMin, xMax, cols);
                    for (int c = Math.min(c0, c1) + 1; c < Math.max(c0, c1); c++) {
                        double t = (double) (c - c0) / (c1 - c0);
                        put(grid, row(ys[i] + t * (ys[i + 1] - ys[i]), yMin, yMax, rows), c, marker);
                    }
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            String label = r == 0 ? top : r == rows - 1 ? bottom : "";
            out.append(" ".repeat(labelWidth - label.length())).append(label).append(" |")
                    .append(new String(grid[r]).replaceAll("\\s+$", "")).append('\n');
        }
        out.append(" ".repeat(labelWidth)).append(" +").append("-".repeat(cols)).append('\n');
        String left = number(xMin);
        String right = number(xMax);
        String xTitle = chart.getXAxisTitle() == null ? "" : chart.getXAxisTitle();
        out.append(" ".repeat(labelWidth + 2)).append(left)
                .append(" ".repeat(Math.max(1, cols - left.length() - right.length()))).append(right);
        if (!xTitle.isBlank()) {
            out.append("   ").append(xTitle);
        }
        out.append('\n');
        String yTitle = chart.getYAxisTitle() == null || chart.getYAxisTitle().isBlank() ? "" : "y: " + chart.getYAxisTitle() + "   ";
        out.append(" ".repeat(labelWidth + 2)).append(yTitle).append(String.join("   ", legend)).append('\n');
        return out.toString();
    }

    private static int col(double x, double min, double max, int cols) {
        return max == min ? 0 : (int) Math.round((x - min) / (max - min) * (cols - 1));
    }

    private static int row(double y, double min, double max, int rows) {
        return max == min ? rows / 2 : (int) Math.round((max - y) / (max - min) * (rows - 1));
    }

    private static void put(char[][] grid, int r, int c, char marker) {
        if (r >= 0 && r < grid.length && c >= 0 && c < grid[r].length) {
            grid[r][c] = marker;
        }
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.valueOf((long) v);
        }
        return String.format(Locale.ROOT, "%.4g", v).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2").replaceAll("\\.(e|$)", "$1");
    }
}
