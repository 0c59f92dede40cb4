package mpo4j.notebook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.plot.Curves;
import mpo4j.train.TrainListener;
import mpo4j.train.TrainRun;
import org.knowm.xchart.XYChart;

/**
 * Training progress in a notebook: one display under the cell, redrawn in place after steps (at most once
 * a second) and at every evaluation,
 * with a bar, elapsed time, s/it and ETA, the latest metrics and live panels drawn like
 * {@code run.curves()} (smoothed train lines over faint raw values, evaluations as markers): the loss
 * (so an SFT run has a live curve too), chosen and rejected rewards, their margin and the reward
 * accuracy, each in its own panel. Outside a kernel it shows nothing, so the same code runs in JShell
 * (use the trainer's progress bar there).
 */
public final class LiveTraining implements TrainListener {
    /** Metrics shown next to the bar, when the step logged them. */
    static final List<String> SHOWN = List.of("loss", "rewards/margins", "rewards/accuracies", "eval/rewards/margins");
    /** Panels of {@link Curves} drawn live, in this order, when they have data. */
    static final List<String> PANELS = List.of("loss", "rewards", "margins", "accuracies");
    private static final int COLUMNS = 2;
    /** Least time between two redraws after a step (evaluations and the end always redraw), as tqdm's mininterval. */
    static final long MIN_REDRAW_MS = 1000;

    private final String label;
    private final List<Map<String, Double>> rows = new ArrayList<>();
    private final Map<String, Double> latest = new LinkedHashMap<>();
    private LiveDisplay display;
    private int step;
    private int total;
    private long elapsedMs = -1;
    private int stepsThisFit;
    private boolean interrupted;
    private long lastDraw = Long.MIN_VALUE;

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
        record(p);
        // drawing the panels costs tens of milliseconds; a run of hundreds of fast steps must not pay it every step
        if (p.step() >= p.totalSteps() || System.currentTimeMillis() - lastDraw >= MIN_REDRAW_MS) {
            redraw();
        }
    }

    @Override
    public void onEval(Progress p) {
        record(p);
        redraw();
    }

    private void record(Progress p) {
        step = p.step();
        total = p.totalSteps();
        elapsedMs = p.elapsedMs();
        stepsThisFit = p.stepsThisFit();
        Map<String, Double> row = new LinkedHashMap<>();
        row.put("step", (double) p.step());
        for (Map.Entry<String, Double> e : p.metrics().entrySet()) {
            Double v = e.getValue();
            if (v != null && Double.isFinite(v)) {
                latest.put(e.getKey(), v);
                row.put(e.getKey(), v);
            }
        }
        rows.add(row);
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

    /** The current view: bar, timing, latest metrics and the live panels so far. */
    public ProgressView view() {
        String title = interrupted ? label + " (interrupted at step " + step + " of " + total + ")" : label;
        ProgressView view = ProgressView.of(title, Math.min(step, total), total);
        if (elapsedMs >= 0) {
            view = view.withTiming(elapsedMs, stepsThisFit);
        }
        for (String name : SHOWN) {
            if (latest.containsKey(name)) {
                view = view.withMetric(name, latest.get(name));
            }
        }
        List<XYChart> charts = charts();
        return charts.isEmpty() ? view : view.withCharts(charts, COLUMNS);
    }

    /** The live panels so far ({@link #PANELS} that have data), drawn as {@link Curves} draws them. */
    public List<XYChart> charts() {
        Curves curves = Curves.of(rows, Map.of());
        List<XYChart> charts = new ArrayList<>();
        for (String name : PANELS) {
            if (curves.names().contains(name)) {
                charts.add(curves.get(name));
            }
        }
        return charts;
    }

    private void redraw() {
        lastDraw = System.currentTimeMillis();
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
