package mpo4j.plot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The training panels of a run as plain XChart charts, keyed by name: {@code rewards}
 * (rewards/chosen with rewards/rejected), {@code margins}, {@code accuracies}, {@code logps}
 * (logps/chosen with logps/rejected: the likelihood-displacement view), one panel per loss
 * component ({@code loss}, {@code loss/sigmoid}, …) with its analytic value at initialisation as a
 * dashed reference line, {@code learning_rate} and {@code grad_norm}. Eval series (from
 * {@code eval/} rows) are drawn next to the train series. Panels without data are left out.
 *
 * <p>Rendering uses off-screen images, so it works headless.
 */
public final class Curves {
    private static final int WIDTH = 560;
    private static final int HEIGHT = 340;

    private final Map<String, XYChart> charts;

    private Curves(Map<String, XYChart> charts) { this.charts = charts; }

    /**
     * Builds the panels from logged rows (one map per step or evaluation, metric name to value, with a
     * {@code step} entry) and the losses' values at initialisation.
     */
    public static Curves of(List<Map<String, Double>> rows, Map<String, Double> initialLosses) {
        Map<String, XYChart> charts = new LinkedHashMap<>();
        panel(charts, rows, "rewards", "reward", List.of("rewards/chosen", "rewards/rejected"), null);
        panel(charts, rows, "margins", "reward margin", List.of("rewards/margins"), null);
        panel(charts, rows, "accuracies", "reward accuracy", List.of("rewards/accuracies"), null);
        panel(charts, rows, "logps", "log-prob", List.of("logps/chosen", "logps/rejected"), null);
        List<String> losses = new ArrayList<>();
        for (String c : columnsOf(rows)) {
            if (c.equals("loss") || c.startsWith("loss/")) {
                losses.add(c);
            }
        }
        for (String l : losses) {
            panel(charts, rows, l, "loss", List.of(l), initialLosses.get(l));
        }
        panel(charts, rows, "learning_rate", "learning rate", List.of("learning_rate"), null);
        panel(charts, rows, "grad_norm", "grad norm (before clipping)", List.of("grad_norm"), null);
        return new Curves(charts);
    }

    /** Every metric name in first-seen order. */
    private static List<String> columnsOf(List<Map<String, Double>> rows) {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        rows.forEach(r -> names.addAll(r.keySet()));
        return List.copyOf(names);
    }

    private static void panel(Map<String, XYChart> charts, List<Map<String, Double>> rows, String name, String yTitle,
                              List<String> metrics, Double reference) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(name).xAxisTitle("step").yAxisTitle(yTitle).build();
        chart.getStyler().setMarkerSize(4);
        double minStep = Double.POSITIVE_INFINITY;
        double maxStep = Double.NEGATIVE_INFINITY;
        for (String metric : metrics) {
            for (String key : List.of(metric, "eval/" + metric)) {
                List<double[]> points = new ArrayList<>();
                for (Map<String, Double> r : rows) {
                    Double v = r.get(key);
                    if (v != null && Double.isFinite(v) && r.get("step") != null) {
                        points.add(new double[] {r.get("step"), v});
                    }
                }
                if (points.isEmpty()) {
                    continue;
                }
                double[] x = points.stream().mapToDouble(p -> p[0]).toArray();
                double[] y = points.stream().mapToDouble(p -> p[1]).toArray();
                XYSeries s = chart.addSeries(key, x, y);
                s.setMarker(key.startsWith("eval/") ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
                minStep = Math.min(minStep, x[0]);
                maxStep = Math.max(maxStep, x[x.length - 1]);
            }
        }
        if (chart.getSeriesCollection().isEmpty()) {
            return;
        }
        if (reference != null && Double.isFinite(reference)) {
            double hi = maxStep > minStep ? maxStep : minStep + 1;
            XYSeries ref = chart.addSeries("initial (analytic) " + String.format("%.4f", reference),
                    new double[] {minStep, hi}, new double[] {reference, reference});
            ref.setMarker(SeriesMarkers.NONE);
            ref.setLineStyle(SeriesLines.DASH_DASH);
        }
        charts.put(name, chart);
    }

    /** Panel names, in display order. */
    public List<String> names() { return List.copyOf(charts.keySet()); }

    /** A panel by name; throws naming the available panels if absent. */
    public XYChart get(String name) {
        XYChart c = charts.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no panel '" + name + "'; available: " + names());
        }
        return c;
    }

    public Map<String, XYChart> charts() { return Map.copyOf(charts); }

    /** PNG bytes of one panel (for a notebook display). */
    public byte[] png(String name) {
        try {
            return BitmapEncoder.getBitmapBytes(get(name), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Writes every panel as {@code <name>.png} ({@code /} in names becomes {@code _}) into {@code dir},
     * each file atomically ({@link AtomicFiles}); returns the files.
     */
    public List<Path> saveAll(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (String name : charts.keySet()) {
            Path file = dir.resolve(name.replace('/', '_') + ".png");
            AtomicFiles.write(file, png(name));
            files.add(file);
        }
        return files;
    }

    /** Same as {@link #saveAll}. */
    public List<Path> toPng(Path dir) throws IOException { return saveAll(dir); }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Curves");
        for (Map.Entry<String, XYChart> e : charts.entrySet()) {
            sb.append("\n  ").append(e.getKey()).append(':');
            for (XYSeries s : e.getValue().getSeriesCollection()) {
                double[] y = s.getYData();
                sb.append(String.format("  %s %.4g → %.4g", s.getName(), y[0], y[y.length - 1]));
            }
        }
        return sb.toString();
    }
}
