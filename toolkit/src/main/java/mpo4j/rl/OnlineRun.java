package mpo4j.rl;

import mpo4j.train.TrainRun;
import tech.tablesaw.api.Table;

/**
 * The outcome of an online fit (GRPO, RLOO): the loop's run (model, metrics under TRL's names, curves, checkpoints)
 * and the table of sampled completions with their rewards and advantages.
 *
 * @param run the training run
 * @param completions one row per sampled completion: {@code step, prompt, completion, length}, one column per
 *     reward function, {@code reward}, {@code advantage}
 */
public record OnlineRun(TrainRun run, Table completions) {

    /** The last logged value of a metric (e.g. {@code reward}), or NaN if it was never logged. */
    public double last(String metric) { return run.last(metric); }

    /** The completions sampled at optimizer step {@code step} (1-based). */
    public Table completionsAt(int step) {
        return completions.where(completions.intColumn("step").isEqualTo(step));
    }

    @Override
    public String toString() {
        return String.format("OnlineRun[%d/%d steps%s, reward %.4f, loss %.4f, %d completions]", run.steps(), run.totalSteps(),
                run.interrupted() ? ", interrupted" : "", last("reward"), last("loss"), completions.rowCount());
    }
}
