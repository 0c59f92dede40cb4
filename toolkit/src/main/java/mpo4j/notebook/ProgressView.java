package mpo4j.notebook;

import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * A progress view for long work: a bar, the latest metrics and optionally live curves, as one
 * {@link Renderable}. A trainer shows it once with {@link LiveDisplay#show} and redraws it every few
 * steps with {@link LiveDisplay#update}, so the notebook keeps one output area instead of a log.
 * Immutable; each {@code withX} returns a new view.
 */
public final class ProgressView implements Renderable {
    private static final int BAR_WIDTH = 30;

    private final String label;
    private final long done;
    private final long total;
    private final Map<String, Double> metrics;
    private final Chart<?, ?> chart;

    private ProgressView(String label, long done, long total, Map<String, Double> metrics, Chart<?, ?> chart) {
        if (total < 0 || done < 0 || done > total) {
            throw new IllegalArgumentException("progress must satisfy 0 <= done <= total, got " + done + " of " + total);
        }
        this.label = label == null ? "" : label;
        this.done = done;
        this.total = total;
        this.metrics = metrics;
        this.chart = chart;
    }

    /** {@code done} of {@code total} steps of the work called {@code label}. */
    public static ProgressView of(String label, long done, long total) {
        return new ProgressView(label, done, total, Map.of(), null);
    }

    /** Adds (or replaces) one metric shown next to the bar. */
    public ProgressView withMetric(String name, double value) {
        Map<String, Double> m = new LinkedHashMap<>(metrics);
        m.put(name, value);
        return new ProgressView(label, done, total, java.util.Collections.unmodifiableMap(m), chart);
    }

    /** Adds every metric of {@code values}, in their iteration order. */
    public ProgressView withMetrics(Map<String, ? extends Number> values) {
        ProgressView p = this;
        for (Map.Entry<String, ? extends Number> e : values.entrySet()) {
            p = p.withMetric(e.getKey(), e.getValue().doubleValue());
        }
        return p;
    }

    /** Shows {@code curves} under the bar (e.g. live reward curves). */
    public ProgressView withChart(Chart<?, ?> curves) {
        return new ProgressView(label, done, total, metrics, curves);
    }

    public long done() {
        return done;
    }

    public long total() {
        return total;
    }

    public Map<String, Double> metrics() {
        return metrics;
    }

    /** Percent complete, 0..100 (100 for empty work). */
    public double percent() {
        return total == 0 ? 100.0 : 100.0 * done / total;
    }

    @Override
    public String toText() {
        int filled = (int) Math.round(BAR_WIDTH * percent() / 100.0);
        StringBuilder s = new StringBuilder();
        if (!label.isEmpty()) {
            s.append(label).append(' ');
        }
        s.append('[').append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled)).append("] ")
                .append(done).append('/').append(total)
                .append(String.format(Locale.ROOT, " (%.0f%%)", percent()));
        metrics.forEach((k, v) -> s.append("  ").append(k).append('=').append(format(v)));
        return s.toString();
    }

    // Frontends show the richest type only (HTML over PNG), so the curves go inside the HTML.
    @Override
    public String toHtml() {
        StringBuilder h = new StringBuilder("<div class=\"mpo4j-progress\">");
        if (!label.isEmpty()) {
            h.append("<b>").append(Render.escape(label)).append("</b> ");
        }
        h.append("<progress value=\"").append(done).append("\" max=\"").append(Math.max(total, 1))
                .append("\" style=\"width:240px;vertical-align:middle\"></progress> ")
                .append(done).append('/').append(total)
                .append(String.format(Locale.ROOT, " (%.0f%%)", percent()));
        metrics.forEach((k, v) -> h.append(" &middot; ").append(Render.escape(k)).append(" = <code>")
                .append(format(v)).append("</code>"));
        if (chart != null) {
            h.append("<br>").append(Render.imgTag(BitmapEncoder.getBufferedImage(chart)));
        }
        return h.append("</div>").toString();
    }

    @Override
    public BufferedImage toImage() {
        return null;
    }

    @Override
    public String toString() {
        return toText();
    }

    private static String format(double v) {
        return Double.isFinite(v) && v != 0 && Math.abs(v) < 1e-3 ? String.format(Locale.ROOT, "%.3e", v)
                : String.format(Locale.ROOT, "%.4f", v);
    }
}
