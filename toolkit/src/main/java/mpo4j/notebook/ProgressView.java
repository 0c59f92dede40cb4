package mpo4j.notebook;

import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

/**
 * A progress view for long work: a bar, elapsed time, seconds per step and ETA, the latest metrics
 * and optionally live curves and a table under them (e.g. the latest sampled completions), as one
 * {@link Renderable}. The timing is shown in the HTML only: the
 * text form is what an executed notebook stores as {@code text/plain}, and it must not change from
 * one run to the next. A trainer shows it once with {@link LiveDisplay#show} and redraws it every few
 * steps with {@link LiveDisplay#update}, so the notebook keeps one output area instead of a log.
 * Immutable; each {@code withX} returns a new view.
 */
public final class ProgressView implements Renderable {
    private static final int BAR_WIDTH = 30;

    private final String label;
    private final long done;
    private final long total;
    private final Map<String, Double> metrics;
    private final List<? extends Chart<?, ?>> charts;
    private final int columns;
    private final long elapsedMs;
    private final long stepsTimed;
    private final Table table;
    private final int tableRows;

    private ProgressView(String label, long done, long total, Map<String, Double> metrics, List<? extends Chart<?, ?>> charts,
                         int columns, long elapsedMs, long stepsTimed, Table table, int tableRows) {
        if (total < 0 || done < 0 || done > total) {
            throw new IllegalArgumentException("progress must satisfy 0 <= done <= total, got " + done + " of " + total);
        }
        this.label = label == null ? "" : label;
        this.done = done;
        this.total = total;
        this.metrics = metrics;
        this.charts = charts;
        this.columns = columns;
        this.elapsedMs = elapsedMs;
        this.stepsTimed = stepsTimed;
        this.table = table;
        this.tableRows = tableRows;
    }

    /** {@code done} of {@code total} steps of the work called {@code label}. */
    public static ProgressView of(String label, long done, long total) {
        return new ProgressView(label, done, total, Map.of(), List.of(), 1, -1, 0, null, 0);
    }

    /** Adds (or replaces) one metric shown next to the bar. */
    public ProgressView withMetric(String name, double value) {
        Map<String, Double> m = new LinkedHashMap<>(metrics);
        m.put(name, value);
        return new ProgressView(label, done, total, java.util.Collections.unmodifiableMap(m), charts, columns, elapsedMs, stepsTimed,
                table, tableRows);
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
        return withCharts(List.of(curves), 1);
    }

    /** Shows {@code curves} under the bar in rows of {@code columns} (e.g. loss, rewards, margins, accuracies). */
    public ProgressView withCharts(List<? extends Chart<?, ?>> curves, int columns) {
        if (columns < 1) {
            throw new IllegalArgumentException("columns must be >= 1, got " + columns);
        }
        return new ProgressView(label, done, total, metrics, List.copyOf(curves), columns, elapsedMs, stepsTimed, table, tableRows);
    }

    /**
     * Adds the timing: {@code elapsedMs} of wall time for the {@code stepsTimed} steps done so far in
     * this session of the work (a resumed run counts from its restart), from which the view shows
     * seconds per step and the time left for the {@code total − done} remaining steps.
     */
    public ProgressView withTiming(long elapsedMs, long stepsTimed) {
        if (elapsedMs < 0 || stepsTimed < 0) {
            throw new IllegalArgumentException("elapsed time and steps must be >= 0, got " + elapsedMs + " ms for " + stepsTimed + " steps");
        }
        return new ProgressView(label, done, total, metrics, charts, columns, elapsedMs, stepsTimed, table, tableRows);
    }

    /**
     * Shows the first {@code maxRows} rows of {@code table} under the curves (e.g. the completions sampled
     * at the latest step), captioned with the table's name and shape ({@link Render#html}).
     */
    public ProgressView withTable(Table table, int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
        }
        return new ProgressView(label, done, total, metrics, charts, columns, elapsedMs, stepsTimed, table, maxRows);
    }

    /** The table shown under the curves, or null. */
    public Table table() {
        return table;
    }

    /** Seconds per step so far, or NaN before the first timed step. */
    public double secondsPerStep() {
        return elapsedMs < 0 || stepsTimed == 0 ? Double.NaN : elapsedMs / 1000.0 / stepsTimed;
    }

    /** Estimated seconds left: s/it times the steps not done yet (NaN when unknown). */
    public double etaSeconds() {
        return secondsPerStep() * (total - done);
    }

    /** "elapsed 1:05 · 2.50 s/it · ETA 0:30" (or just the elapsed time before the first step). */
    public String timing() {
        if (elapsedMs < 0) {
            return "";
        }
        StringBuilder s = new StringBuilder("elapsed ").append(clock(elapsedMs / 1000.0));
        double perStep = secondsPerStep();
        if (Double.isFinite(perStep)) {
            s.append(" \u00b7 ").append(perStep >= 1 || perStep == 0 ? String.format(Locale.ROOT, "%.2f s/it", perStep)
                    : String.format(Locale.ROOT, "%.2f it/s", 1 / perStep));
            if (done < total) {
                s.append(" \u00b7 ETA ").append(clock(etaSeconds()));
            }
        }
        return s.toString();
    }

    /** m:ss, or h:mm:ss from an hour on. */
    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
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
        if (table != null) {
            // the first rows only, like the HTML (Tablesaw's print(n) shows the first and the last ones)
            s.append('\n').append(table.first(tableRows).print());
        }
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
        if (elapsedMs >= 0) {
            h.append(" &middot; ").append(Render.escape(timing()));
        }
        metrics.forEach((k, v) -> h.append(" &middot; ").append(Render.escape(k)).append(" = <code>")
                .append(format(v)).append("</code>"));
        if (!charts.isEmpty()) {
            h.append("<br>").append(Render.imgTag(ChartsView.grid(charts, columns).toImage()));
        }
        if (table != null) {
            h.append(Render.html(table, tableRows));
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
        return Render.number(v);
    }
}
