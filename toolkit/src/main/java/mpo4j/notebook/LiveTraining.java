package mpo4j.notebook;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import mpo4j.plot.Curves;
import mpo4j.rl.CompletionListener;
import mpo4j.train.TrainRun;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Table;

/**
 * Training progress in a notebook: one display under the cell, redrawn in place after steps (at most once
 * a second) and at every evaluation,
 * with a bar, elapsed time, s/it and ETA, the latest metrics and live panels drawn like
 * {@code run.curves()} (smoothed train lines over faint raw values, evaluations as markers), each in its
 * own panel. The panels follow what the steps log:
 *
 * <ul>
 *   <li>a preference or SFT run: the loss (so an SFT run has a live curve too), chosen and rejected
 *       rewards, their margin and the reward accuracy;</li>
 *   <li>an online run (its steps log TRL's {@code reward}: GRPO, RLOO, Online DPO): the reward (with each
 *       reward function's mean when there are several), the KL to the reference when {@code beta > 0},
 *       the completion lengths, the entropy and, without a KL, the share of groups whose rewards do not
 *       vary (Online DPO: its margins and accuracies instead); under the panels, the completions sampled at
 *       the latest step with each reward function's score, the reward and the advantage (the first
 *       {@value #COMPLETION_ROWS} rows: the first group or groups), which the online trainers hand to
 *       every {@link CompletionListener}.</li>
 * </ul>
 *
 * Outside a kernel it shows nothing, so the same code runs in JShell (use the trainer's progress bar
 * there, and print this listener or read {@link #completions()}).
 */
public final class LiveTraining implements CompletionListener {
    /** Metrics shown next to the bar, when the step logged them. */
    static final List<String> SHOWN = List.of("loss", "rewards/margins", "rewards/accuracies", "eval/rewards/margins");
    /** Metrics shown next to the bar of an online run, when the step logged them. */
    static final List<String> ONLINE_SHOWN = List.of("reward", "reward_std", "kl", "completions/mean_length");
    /** Panels of {@link Curves} drawn live, in this order, when they have data. */
    static final List<String> PANELS = List.of("loss", "rewards", "margins", "accuracies");
    /** Panels of {@link Curves} drawn live for an online run, in this order, when they have data (at most four do). */
    static final List<String> ONLINE_PANELS = List.of("reward", "kl", "completions/mean_length", "entropy", "frac_reward_zero_std",
            "margins", "accuracies");
    /** The metric only online runs log, by which the view knows one. */
    private static final String ONLINE_METRIC = "reward";
    /** Rows of the latest completions shown: one group of TRL's default 8 generations, or a few smaller groups. */
    static final int COMPLETION_ROWS = 8;
    private static final int MAX_PANELS = 4;
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
    private Table completions;
    private int completionsStep;

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

    /**
     * Keeps the completions of the latest step (several rounds of one step are put together); they are
     * drawn with the step's metrics, at the {@link #onStep} that follows.
     */
    @Override
    public void onCompletions(int step, Table round) {
        if (completions == null || step != completionsStep) {
            completions = round.copy();
            completionsStep = step;
        } else {
            completions.append(round);
        }
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
        for (String name : online() ? ONLINE_SHOWN : SHOWN) {
            if (latest.containsKey(name)) {
                view = view.withMetric(name, latest.get(name));
            }
        }
        List<XYChart> charts = charts();
        if (!charts.isEmpty()) {
            view = view.withCharts(charts, COLUMNS);
        }
        Optional<Table> shown = completions();
        return shown.isPresent() ? view.withTable(shown.get(), COMPLETION_ROWS) : view;
    }

    /** True once a step logged TRL's online {@code reward}: the view then shows the online panels. */
    private boolean online() {
        return latest.containsKey(ONLINE_METRIC);
    }

    /**
     * The live panels so far, drawn as {@link Curves} draws them: those of {@link #PANELS} that have data,
     * or for an online run the first four of {@link #ONLINE_PANELS} that have data.
     */
    public List<XYChart> charts() {
        Curves curves = Curves.of(rows, Map.of());
        List<XYChart> charts = new ArrayList<>();
        for (String name : online() ? ONLINE_PANELS : PANELS) {
            if (curves.names().contains(name) && charts.size() < MAX_PANELS) {
                charts.add(curves.get(name));
            }
        }
        return charts;
    }

    /**
     * The completions of the latest step that sampled (an online run), as the view shows them: columns
     * {@code prompt, completion}, one per reward function, {@code reward, advantage}, every row of the step
     * (the view shows the first {@value #COMPLETION_ROWS}), each text on one line (a line break shown as a
     * visible {@code \n}, as the data set's table shows it); empty before any completions came.
     */
    public Optional<Table> completions() {
        if (completions == null) {
            return Optional.empty();
        }
        // the step is in the caption, the length in the completion itself
        Table shown = completions.copy();
        for (String hidden : List.of("step", "length")) {
            if (shown.containsColumn(hidden)) {
                shown.removeColumns(hidden);
            }
        }
        for (String text : List.of("prompt", "completion")) {
            if (shown.containsColumn(text)) {
                // one line per completion in plain text too (an image prompt starts with "<image>\n"), as data tables show it
                shown.replaceColumn(text, shown.stringColumn(text).replaceAll("\\R", Matcher.quoteReplacement("\\n")).setName(text));
            }
        }
        shown.setName("completions sampled at step " + completionsStep);
        return Optional.of(shown);
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
