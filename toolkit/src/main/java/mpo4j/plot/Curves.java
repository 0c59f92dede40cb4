package mpo4j.plot;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import mpo4j.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The training panels of a run as plain XChart charts, keyed by name. Panels without data are left out.
 *
 * <ul>
 *   <li>Online runs (GRPO, RLOO, Online DPO), named after TRL's metrics: {@code reward} (with each
 *       {@code rewards/<name>/mean} when there are several reward functions), {@code reward_std},
 *       {@code frac_reward_zero_std}, {@code kl} (logged when {@code beta > 0}), {@code entropy},
 *       {@code clip_ratio} (low, high and region means), {@code completions/mean_length} (with the
 *       shortest and longest completion) and {@code completions/clipped_ratio}.</li>
 *   <li>Preference runs: {@code rewards} (rewards/chosen with rewards/rejected), {@code margins},
 *       {@code accuracies}, {@code logps} (logps/chosen with logps/rejected: the likelihood-displacement
 *       view).</li>
 *   <li>Every run: one panel per loss component ({@code loss}, {@code loss/sigmoid}, …) with its analytic
 *       value at initialisation as a dashed reference line, {@code learning_rate} and {@code grad_norm}.</li>
 * </ul>
 *
 * <p>As in TensorBoard, a train series of more than two points is drawn as its exponential moving
 * average ({@link Smoothing}, named after the metric; weight {@link Smoothing#autoWeight} unless given) over the raw values drawn faintly behind it
 * (named {@code "<metric> (raw)"}, not in the legend); the learning rate is never smoothed. Eval
 * series ({@code eval/} rows) are markers only: an evaluation is a point, not a trajectory. Axes get
 * {@link NiceTicks} when drawn ({@link ChartStyle#niceAxes}).
 *
 * <p>Rendering uses off-screen images, so it works headless.
 */
public final class Curves {
    private static final int WIDTH = 560;
    private static final int HEIGHT = 340;
    private static final String RAW = " (raw)";
    private static final double AUTO = -1;
    private static final int MAX_HISTOGRAMS = 4;
    private static final int HISTOGRAM_BINS = 20;

    private final Map<String, XYChart> charts;

    private Curves(Map<String, XYChart> charts) { this.charts = charts; }

    /**
     * Builds the panels from logged rows (one map per step or evaluation, metric name to value, with a
     * {@code step} entry) and the losses' values at initialisation, each curve smoothed with
     * {@link Smoothing#autoWeight} for its number of points.
     */
    public static Curves of(List<Map<String, Double>> rows, Map<String, Double> initialLosses) {
        return build(rows, initialLosses, AUTO);
    }

    /** Same as {@link #of(List, Map)} with one EMA weight {@code smoothing} in [0, 1) (0 draws raw values only). */
    public static Curves of(List<Map<String, Double>> rows, Map<String, Double> initialLosses, double smoothing) {
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new IllegalArgumentException("smoothing must be in [0, 1), got " + smoothing);
        }
        return build(rows, initialLosses, smoothing);
    }

    private static Curves build(List<Map<String, Double>> rows, Map<String, Double> initialLosses, double smoothing) {
        Map<String, XYChart> charts = new LinkedHashMap<>();
        // online runs: what the sampled completions scored, first (a preference run logs none of these names)
        panel(charts, rows, "reward", "reward", rewardSeries(rows), null, smoothing);
        panel(charts, rows, "reward_std", "reward std", List.of("reward_std"), null, smoothing);
        panel(charts, rows, "frac_reward_zero_std", "share of groups", List.of("frac_reward_zero_std"), null, smoothing);
        panel(charts, rows, "kl", "KL to the reference", List.of("kl"), null, smoothing);
        panel(charts, rows, "entropy", "entropy (nats per token)", List.of("entropy"), null, smoothing);
        panel(charts, rows, "clip_ratio", "share of tokens clipped",
                List.of("clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean"), null, smoothing);
        panel(charts, rows, "completions/mean_length", "tokens",
                List.of("completions/mean_length", "completions/min_length", "completions/max_length"), null, smoothing);
        panel(charts, rows, "completions/clipped_ratio", "share truncated", List.of("completions/clipped_ratio"), null, smoothing);
        panel(charts, rows, "rewards", "reward", List.of("rewards/chosen", "rewards/rejected"), null, smoothing);
        panel(charts, rows, "margins", "reward margin", List.of("rewards/margins"), null, smoothing);
        panel(charts, rows, "accuracies", "reward accuracy", List.of("rewards/accuracies"), null, smoothing);
        panel(charts, rows, "logps", "log-prob", List.of("logps/chosen", "logps/rejected"), null, smoothing);
        for (String c : columnsOf(rows)) {
            if (c.equals("loss") || c.startsWith("loss/")) {
                panel(charts, rows, c, "loss", List.of(c), initialLosses.get(c), smoothing);
            }
        }
        panel(charts, rows, "learning_rate", "learning rate", List.of("learning_rate"), null, 0);
        panel(charts, rows, "grad_norm", "grad norm (before clipping)", List.of("grad_norm"), null, smoothing);
        return new Curves(charts);
    }

    /**
     * The {@code reward} panel's series: {@code reward}, and each reward function's
     * {@code rewards/<name>/mean} when there are several (with one it repeats the reward, up to its weight).
     */
    private static List<String> rewardSeries(List<Map<String, Double>> rows) {
        List<String> perFunction = columnsOf(rows).stream().filter(c -> c.startsWith("rewards/") && c.endsWith("/mean")).toList();
        List<String> series = new ArrayList<>(List.of("reward"));
        if (perFunction.size() > 1) {
            series.addAll(perFunction);
        }
        return series;
    }

    /** Every metric name in first-seen order. */
    private static List<String> columnsOf(List<Map<String, Double>> rows) {
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        rows.forEach(r -> names.addAll(r.keySet()));
        return List.copyOf(names);
    }

    /** (step, value) pairs of one metric, in row order, finite values only. */
    private static double[][] points(List<Map<String, Double>> rows, String key) {
        List<double[]> points = new ArrayList<>();
        for (Map<String, Double> r : rows) {
            Double v = r.get(key);
            if (v != null && Double.isFinite(v) && r.get("step") != null) {
                points.add(new double[] {r.get("step"), v});
            }
        }
        return new double[][] {points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray()};
    }

    private static void panel(Map<String, XYChart> charts, List<Map<String, Double>> rows, String name, String yTitle,
                              List<String> metrics, Double reference, double smoothing) {
        double weight = 0;
        XYChart chart = ChartStyle.chart(WIDTH, HEIGHT, name, "step", yTitle);
        double minStep = Double.POSITIVE_INFINITY;
        double maxStep = Double.NEGATIVE_INFINITY;
        for (int m = 0; m < metrics.size(); m++) {
            String metric = metrics.get(m);
            Color colour = ChartStyle.colour(m);
            double[][] train = points(rows, metric);
            double[][] eval = points(rows, "eval/" + metric);
            if (train[0].length > 0) {
                double[] x = train[0];
                double w = smoothing == AUTO ? Smoothing.autoWeight(x.length) : smoothing;
                if (w > 0 && x.length > 2) {
                    XYSeries raw = chart.addSeries(metric + RAW, x, train[1]);
                    raw.setMarker(SeriesMarkers.NONE);
                    raw.setLineColor(ChartStyle.faint(colour, 0.3));
                    raw.setLineWidth(1f);
                    raw.setShowInLegend(false);
                    weight = Math.max(weight, w);
                }
                double[] y = w > 0 && x.length > 2 ? Smoothing.ema(train[1], w) : train[1];
                XYSeries s = chart.addSeries(metric, x, y);
                s.setLabel(legendName(metric, metrics.size()));
                s.setMarker(x.length == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
                s.setLineColor(colour);
                s.setMarkerColor(colour);
                s.setLineWidth(2f);
                minStep = Math.min(minStep, x[0]);
                maxStep = Math.max(maxStep, x[x.length - 1]);
            }
            if (eval[0].length > 0) {
                XYSeries e = chart.addSeries("eval/" + metric, eval[0], eval[1]);
                e.setLabel(metrics.size() == 1 ? "eval" : "eval " + legendName(metric, metrics.size()));
                e.setMarker(SeriesMarkers.DIAMOND);
                e.setMarkerColor(colour.darker());
                e.setLineStyle(SeriesLines.NONE);
                minStep = Math.min(minStep, eval[0][0]);
                maxStep = Math.max(maxStep, eval[0][eval[0].length - 1]);
            }
        }
        if (chart.getSeriesCollection().isEmpty()) {
            return;
        }
        if (reference != null && Double.isFinite(reference)) {
            double hi = maxStep > minStep ? maxStep : minStep + 1;
            XYSeries ref = chart.addSeries("initial (analytic) " + NiceTicks.label(reference),
                    new double[] {minStep, hi}, new double[] {reference, reference});
            ref.setMarker(SeriesMarkers.NONE);
            ref.setLineStyle(SeriesLines.DASH_DASH);
            ref.setLineColor(Color.GRAY);
        }
        if (weight > 0) {
            chart.setXAxisTitle("step   (lines: EMA " + NiceTicks.label(Math.round(weight * 100) / 100.0) + " of the faint raw values)");
        }
        charts.put(name, chart);
    }

    /**
     * The legend entry of a train series: "train" alone in its panel, else the metric's last part
     * ("chosen", "low_mean"), or the reward function's name for {@code rewards/<name>/mean}.
     */
    private static String legendName(String metric, int metricsInPanel) {
        if (metricsInPanel == 1) {
            return "train";
        }
        if (metric.startsWith("rewards/") && metric.endsWith("/mean")) {
            return metric.substring("rewards/".length(), metric.length() - "/mean".length());
        }
        return metric.substring(metric.lastIndexOf('/') + 1);
    }

    /**
     * These panels plus one of overlaid histograms of per-example values at evaluations (e.g. each
     * held-out pair's reward margin), named {@code name}: the first and the last evaluation and at most
     * {@value #MAX_HISTOGRAMS} in all, evenly spread, from light (early) to dark (late). Without values
     * the panels are returned unchanged.
     *
     * @param byStep values by evaluation step, as {@code MetricsLog.evalValues} gives them
     */
    public Curves withEvalHistogram(String name, String xTitle, SortedMap<Integer, float[]> byStep) {
        if (byStep.isEmpty()) {
            return this;
        }
        List<Integer> steps = new ArrayList<>(byStep.keySet());
        Map<String, double[]> samples = new LinkedHashMap<>();
        List<Integer> shown = spread(steps, MAX_HISTOGRAMS);
        Color[] shades = new Color[shown.size()];
        for (int i = 0; i < shown.size(); i++) {
            float[] v = byStep.get(shown.get(i));
            double[] d = new double[v.length];
            for (int j = 0; j < v.length; j++) {
                d[j] = v[j];
            }
            samples.put("step " + shown.get(i), d);
            // one hue, lighter for earlier evaluations: the eye reads the shift of the distribution over time
            double t = shown.size() == 1 ? 1 : (double) i / (shown.size() - 1);
            shades[i] = blend(new Color(0xc6dbef), ChartStyle.colour(0).darker(), t);
        }
        XYChart chart = Histogram.spanning(samples, HISTOGRAM_BINS).chart(name, xTitle, samples, shades);
        Map<String, XYChart> all = new LinkedHashMap<>(charts);
        all.put(name, chart);
        return new Curves(all);
    }

    /** At most {@code max} of {@code steps}: the first, the last and evenly spread ones between. */
    static List<Integer> spread(List<Integer> steps, int max) {
        if (steps.size() <= max) {
            return List.copyOf(steps);
        }
        java.util.TreeSet<Integer> picked = new java.util.TreeSet<>();
        for (int i = 0; i < max; i++) {
            picked.add(steps.get((int) Math.round((double) i * (steps.size() - 1) / (max - 1))));
        }
        return List.copyOf(picked);
    }

    private static Color blend(Color a, Color b, double t) {
        return new Color((int) Math.round(a.getRed() + t * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + t * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + t * (b.getBlue() - a.getBlue())));
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
            return BitmapEncoder.getBitmapBytes(ChartStyle.niceAxes(get(name)), BitmapEncoder.BitmapFormat.PNG);
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
                if (s.getName().equals(ChartStyle.RANGE_SERIES) || s.getName().endsWith(RAW)) {
                    continue;
                }
                XYSeries raw = e.getValue().getSeries(s.getName() + RAW);   // print what was logged, not the EMA
                double[] y = (raw != null ? raw : s).getYData();
                sb.append(String.format("  %s %.4g → %.4g", s.getName(), y[0], y[y.length - 1]));
            }
        }
        return sb.toString();
    }
}
