package mpo4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import mpo4j.io.AtomicFiles;
import mpo4j.plot.Curves;
import tech.tablesaw.api.Table;

/**
 * The outcome of {@code fit()} or {@code resume()}: the trained model (updated in place), the
 * metrics history, and whether the run was interrupted (then the model holds the weights after
 * the last complete step).
 */
public final class TrainRun {
    private final Trainable model;
    private final MetricsLog log;
    private final boolean interrupted;
    private final int steps;
    private final int totalSteps;
    private final Path runDir;
    private final Map<String, Double> initialLosses;
    private final long wallMs;

    TrainRun(Trainable model, MetricsLog log, boolean interrupted, int steps, int totalSteps, Path runDir,
             Map<String, Double> initialLosses, long wallMs) {
        this.model = model;
        this.log = log;
        this.interrupted = interrupted;
        this.steps = steps;
        this.totalSteps = totalSteps;
        this.runDir = runDir;
        this.initialLosses = Map.copyOf(initialLosses);
        this.wallMs = wallMs;
    }

    /** The trained model (the same object that was given to the trainer). */
    public Trainable model() { return model; }

    /** True if the loop stopped early on {@link Thread#interrupt()}. */
    public boolean interrupted() { return interrupted; }

    /** Optimizer steps completed (including those before a resume). */
    public int steps() { return steps; }

    public int totalSteps() { return totalSteps; }

    /** Wall time of this fit (since the resume, for a resumed run). */
    public long wallMillis() { return wallMs; }

    /** Directory where checkpoints were written, or {@code null}. */
    public Path runDir() { return runDir; }

    /** Every logged row as a Tablesaw table (train rows and {@code eval/} rows). */
    public Table metrics() { return log.table(); }

    /** The raw history. */
    public MetricsLog log() { return log; }

    /** Train rows (those with a {@code loss}). */
    public List<Map<String, Double>> trainRows() { return log.rowsWith("loss"); }

    /** Evaluation rows (those with an {@code eval/loss}). */
    public List<Map<String, Double>> evalRows() { return log.rowsWith("eval/loss"); }

    /** The last logged value of a metric, or NaN if it was never logged. */
    public double last(String metric) {
        List<Map<String, Double>> rows = log.rowsWith(metric);
        return rows.isEmpty() ? Double.NaN : rows.get(rows.size() - 1).get(metric);
    }

    /**
     * Reward curves and the other training panels; for a preference run with evaluations also
     * {@code "margin distribution"}: the histogram of the held-out pairs' reward margins at evaluations.
     */
    public Curves curves() {
        return Curves.of(log.rows(), initialLosses).withEvalHistogram(MARGIN_DISTRIBUTION,
                "reward margin β·(chosen − rejected), held-out pairs", log.evalValues("rewards/margins"));
    }

    /** The panel of {@link #curves()} with the held-out reward margins' histogram per evaluation. */
    public static final String MARGIN_DISTRIBUTION = "margin distribution";

    /** Each held-out example's value of {@code metric} at each evaluation, by step (e.g. {@code "rewards/margins"}). */
    public java.util.SortedMap<Integer, float[]> evalValues(String metric) { return log.evalValues(metric); }

    /** What {@link #save(Path)} writes into its folder; anything else there is not ours to replace. */
    static final java.util.Set<String> SAVED_ENTRIES = java.util.Set.of("model", "metrics.jsonl", "metrics.csv", "plots", "evals");

    /**
     * Writes {@code model/}, {@code metrics.jsonl}, {@code metrics.csv} and {@code plots/*.png} into
     * {@code dir}, all or nothing: the folder is assembled under a hidden temporary name and swapped in
     * by renames ({@link AtomicFiles#writeDirectory}), so a crash at any moment (even {@code kill -9})
     * leaves the previous complete save or the new one, never a mix, and the next save removes the
     * temporaries a crash left. Since the whole folder is replaced, {@code dir} must hold nothing but an
     * earlier save (e.g. not the trainer's {@code output} folder with its checkpoints).
     *
     * @throws IllegalStateException if a weight is NaN or infinite (see {@link #save(Path, boolean)})
     */
    public Path save(Path dir) { return save(dir, false); }

    /**
     * Like {@link #save(Path)}; with {@code allowNonFinite} a model whose weights hold NaN or infinite
     * values is saved anyway (for post-mortem inspection) instead of failing.
     */
    public Path save(Path dir, boolean allowNonFinite) {
        return save(dir, allowNonFinite, folder -> { });
    }

    /**
     * Like {@link #save(Path, boolean)}; {@code alsoWrite} adds files to the folder before it is swapped
     * in, so they are part of the same all-or-nothing save (a reward run's {@code evals/}).
     */
    public Path save(Path dir, boolean allowNonFinite, AtomicFiles.IoConsumer<Path> alsoWrite) {
        if (!allowNonFinite) {
            List<String> bad = FiniteWeights.nonFinite(model.trainableParameters());
            if (!bad.isEmpty()) {
                throw new IllegalStateException("refusing to save to " + dir + ": the model has non-finite weights in "
                        + FiniteWeights.describe(bad) + " (training diverged); call save(dir, true) to write them anyway");
            }
        }
        try {
            AtomicFiles.recover(dir);
            requireOnlyASave(dir);
            AtomicFiles.writeDirectory(dir, temp -> {
                model.save(temp.resolve("model"));
                log.writeJsonl(temp.resolve("metrics.jsonl"));
                log.writeCsv(temp.resolve("metrics.csv"));
                curves().saveAll(temp.resolve("plots"));
                alsoWrite.accept(temp);
            });
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("could not save the run to " + dir, e);
        }
    }

    /** Refuses to replace a folder that holds more than an earlier save (the swap would delete it). */
    private static void requireOnlyASave(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> children = Files.list(dir)) {
            List<String> foreign = children.map(p -> p.getFileName().toString())
                    .filter(n -> !SAVED_ENTRIES.contains(n) && !n.startsWith(".")).sorted().limit(5).toList();
            if (!foreign.isEmpty()) {
                throw new IllegalArgumentException("cannot save the run to " + dir + ": the folder also holds " + foreign
                        + ", which a save (it replaces the whole folder) would delete; save into a folder of its own, e.g. "
                        + dir.resolve("final"));
            }
        }
    }

    public Path save(String dir) { return save(Path.of(dir)); }

    @Override
    public String toString() {
        return String.format("TrainRun[%d/%d steps%s, loss %.4f, rewards/accuracies %.3f, rewards/margins %.4f, %.1f s]",
                steps, totalSteps, interrupted ? ", interrupted" : "", last("loss"), last("rewards/accuracies"),
                last("rewards/margins"), wallMs / 1000.0);
    }
}
