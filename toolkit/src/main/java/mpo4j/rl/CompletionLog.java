package mpo4j.rl;

import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The sampled completions of a run with their rewards and advantages, one row per completion: what a
 * user looks at first (TRL logs the same table at each logging step). Rows are added in sampling order.
 */
final class CompletionLog {
    private final List<String> rewardNames;
    private final List<Integer> steps = new ArrayList<>();
    private final List<String> prompts = new ArrayList<>();
    private final List<String> completions = new ArrayList<>();
    private final List<Integer> lengths = new ArrayList<>();
    private final List<double[]> perFunction = new ArrayList<>();
    private final List<Double> rewards = new ArrayList<>();
    private final List<Double> advantages = new ArrayList<>();

    CompletionLog(List<String> rewardNames) { this.rewardNames = List.copyOf(rewardNames); }

    synchronized void add(int step, String prompt, String completion, int length, double[] scores, double reward, double advantage) {
        steps.add(step);
        prompts.add(prompt);
        completions.add(completion);
        lengths.add(length);
        perFunction.add(scores.clone());
        rewards.add(reward);
        advantages.add(advantage);
    }

    /** Columns {@code step, prompt, completion, length} (tokens), {@code <each reward function>, reward, advantage}; NaN = not scored. */
    synchronized Table table() {
        Table t = Table.create("completions",
                IntColumn.create("step", steps.stream().mapToInt(Integer::intValue).toArray()),
                StringColumn.create("prompt", prompts),
                StringColumn.create("completion", completions),
                IntColumn.create("length", lengths.stream().mapToInt(Integer::intValue).toArray()));
        for (int f = 0; f < rewardNames.size(); f++) {
            int fn = f;
            t.addColumns(DoubleColumn.create(rewardNames.get(f), perFunction.stream().mapToDouble(s -> s[fn]).toArray()));
        }
        t.addColumns(DoubleColumn.create("reward", rewards.stream().mapToDouble(Double::doubleValue).toArray()),
                DoubleColumn.create("advantage", advantages.stream().mapToDouble(Double::doubleValue).toArray()));
        return t;
    }
}
