package mpo4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    /** Reward curves and the other training panels. */
    public Curves curves() { return Curves.of(log.rows(), initialLosses); }

    /** Writes {@code model/}, {@code metrics.jsonl}, {@code metrics.csv} and {@code plots/*.png} into {@code dir}. */
    public Path save(Path dir) {
        try {
            Files.createDirectories(dir);
            model.save(dir.resolve("model"));
            log.writeJsonl(dir.resolve("metrics.jsonl"));
            log.writeCsv(dir.resolve("metrics.csv"));
            curves().saveAll(dir.resolve("plots"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("could not save the run to " + dir, e);
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
