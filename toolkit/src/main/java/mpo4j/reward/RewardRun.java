package mpo4j.reward;

import java.nio.file.Path;
import java.util.List;
import mpo4j.plot.Curves;
import mpo4j.train.TrainRun;
import tech.tablesaw.api.Table;

/**
 * The outcome of {@link RewardTrainer#fit()}: the training run (metrics, curves, checkpoints) and the
 * held-out evaluations with every pair's scores.
 */
public final class RewardRun {
    private final TrainRun run;
    private final List<RewardEvaluation> evaluations;

    RewardRun(TrainRun run, List<RewardEvaluation> evaluations) {
        this.run = run;
        this.evaluations = List.copyOf(evaluations);
    }

    /** The underlying training run. */
    public TrainRun train() { return run; }

    public RewardModel model() { return (RewardModel) run.model(); }

    public Table metrics() { return run.metrics(); }

    /** The run's curves: loss, rewards/chosen with rewards/rejected, margins, accuracies, learning rate, grad norm. */
    public Curves curves() { return run.curves(); }

    /** The last logged value of a metric (e.g. {@code preference_acc_ma}, {@code eval/preference_acc}). */
    public double last(String metric) { return run.last(metric); }

    public boolean interrupted() { return run.interrupted(); }

    public int steps() { return run.steps(); }

    /** Every held-out evaluation, in step order. */
    public List<RewardEvaluation> evaluations() { return evaluations; }

    /** The latest evaluation, or {@code null} without held-out pairs. */
    public RewardEvaluation lastEvaluation() { return evaluations.isEmpty() ? null : evaluations.get(evaluations.size() - 1); }

    /**
     * The run ({@code model/}, metrics, plots) plus {@code evals/eval_results_{step}.jsonl}, into {@code dir},
     * all or nothing (see {@link TrainRun#save(Path)}).
     */
    public Path save(Path dir) {
        return run.save(dir, false, folder -> evaluations.forEach(e -> e.writeInto(folder)));
    }

    @Override
    public String toString() {
        RewardEvaluation e = lastEvaluation();
        return "RewardRun[" + run + (e == null ? "" : ", held-out " + e.heads()) + "]";
    }
}
