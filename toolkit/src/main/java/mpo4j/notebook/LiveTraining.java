package mpo4j.notebook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.train.TrainListener;
import mpo4j.train.TrainRun;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Training progress in a notebook: one display under the cell, redrawn in place after every step
 * with a bar, the latest metrics and live reward curves (chosen and rejected rewards, their margin,
 * and the held-out margin at each evaluation). Outside a kernel it shows nothing, so the same code
 * runs in JShell (use the trainer's progress bar there).
 */
public final class LiveTraining implements TrainListener {
    /** Metrics shown next to the bar, when the step logged them. */
    static final List<String> SHOWN = List.of("loss", "rewards/margins", "rewards/accuracies", "eval/rewards/margins");
    /** Reward curves drawn live (train), plus {@code eval/rewards/margins} as markers. */
    static final List<String> CURVES = List.of("rewards/chosen", "rewards/rejected", "rewards/margins");
    static final String EVAL_CURVE = "eval/rewards/margins";

    private final String label;
    private final Map<String, List<double[]>> points = new java.util.HashMap<>();
    private final Map<String, Double> latest = new LinkedHashMap<>();
    private LiveDisplay display;
    private int step;
    private int total;
    private boolean interrupted;

    private LiveTraining(String label) {
        this.label = label;
    }

    /** A listener that opens its display at the first step (the trainer knows the step count by then). */
    public static LiveTraining show(String label) {
        return new LiveTraining(label);
    }

    @Override
    public boolean isDisplay() { return true; }

    @Override
    public void onStep(Progress p) {
        record(p, "");
    }

    @Override
    public void onEval(Progress p) {
        record(p, "eval/");
    }

    private void record(Progress p, String prefix) {
        step = p.step();
        total = p.totalSteps();
        for (Map.Entry<String, Double> e : p.metrics().entrySet()) {
            String name = e.getKey();
            Double v = e.getValue();
            if (v == null || !Double.isFinite(v)) {
                continue;
            }
            latest.put(name, v);
            boolean curve = prefix.isEmpty() ? CURVES.contains(name) : name.equals(EVAL_CURVE);
            if (curve) {
                points.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {p.step(), v});
            }
        }
        redraw();
    }

    @Override
    public void onEnd(TrainRun run) {
        if (display == null && run.steps() == 0) {
            return;
        }
        step = run.steps();
        total = run.totalSteps();
        interrupted = run.interrupted();
        redraw();
    }

    /** The current view: bar, latest metrics and the reward curves so far. */
    public ProgressView view() {
        String title = interrupted ? label + " (interrupted at step " + step + " of " + total + ")" : label;
        ProgressView view = ProgressView.of(title, Math.min(step, total), total);
        for (String name : SHOWN) {
            if (latest.containsKey(name)) {
                view = view.withMetric(name, latest.get(name));
            }
        }
        return points.isEmpty() ? view : view.withChart(chart());
    }

    /** The reward curves so far. */
    public XYChart chart() {
        XYChart chart = new XYChartBuilder().width(560).height(300).title(label + ": implicit rewards")
                .xAxisTitle("step").yAxisTitle("reward").build();
        chart.getStyler().setMarkerSize(5);
        List<String> order = new ArrayList<>(CURVES);
        order.add(EVAL_CURVE);
        for (String name : order) {   // a fixed order, whatever order the trainer's metric map has
            List<double[]> pts = points.get(name);
            if (pts == null) {
                continue;
            }
            double[] x = pts.stream().mapToDouble(pt -> pt[0]).toArray();
            double[] y = pts.stream().mapToDouble(pt -> pt[1]).toArray();
            XYSeries s = chart.addSeries(name, x, y);
            s.setMarker(name.equals(EVAL_CURVE) ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
        return chart;
    }

    private void redraw() {
        if (display == null) {
            display = LiveDisplay.show(view());
        } else {
            display.update(view());
        }
    }

    @Override
    public String toString() {
        return view().toText();
    }
}
