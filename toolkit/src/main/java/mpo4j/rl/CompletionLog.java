package mpo4j.rl;

import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The sampled completions of a run with their rewards and advantages, one row per completion: what a
 * user looks at first (TRL logs the same table at each logging step). Rows are added in sampling order,
 * a generation round at a time; each finished round goes to the {@link CompletionListener}s as a table.
 */
final class CompletionLog {
    private final List<String> rewardNames;
    private final List<CompletionListener> listeners;
    private int roundStart;
    private final List<Integer> steps = new ArrayList<>();
    private final List<String> prompts = new ArrayList<>();
    private final List<String> completions = new ArrayList<>();
    private final List<Integer> lengths = new ArrayList<>();
    private final List<double[]> perFunction = new ArrayList<>();
    private final List<Double> rewards = new ArrayList<>();
    private final List<Double> advantages = new ArrayList<>();

    CompletionLog(List<String> rewardNames, List<CompletionListener> listeners) {
        this.rewardNames = List.copyOf(rewardNames);
        this.listeners = List.copyOf(listeners);
    }

    synchronized void add(int step, String prompt, String completion, int length, double[] scores, double reward, double advantage) {
        steps.add(step);
        prompts.add(prompt);
        completions.add(completion);
        lengths.add(length);
        perFunction.add(scores.clone());
        rewards.add(reward);
        advantages.add(advantage);
    }

    /** Ends the round whose rows were added since the last call: tells the listeners, with the round's rows. */
    void endRound(int step) {
        Table round;
        synchronized (this) {
            round = rows(roundStart, steps.size());
            roundStart = steps.size();
        }
        if (!listeners.isEmpty()) {
            listeners.forEach(l -> l.onCompletions(step, round));
        }
    }

    /** Columns {@code step, prompt, completion, length} (tokens), {@code <each reward function>, reward, advantage}; NaN = not scored. */
    synchronized Table table() { return rows(0, steps.size()); }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive) as a table. */
    private Table rows(int from, int to) {
        Table t = Table.create("completions",
                IntColumn.create("step", steps.subList(from, to).stream().mapToInt(Integer::intValue).toArray()),
                StringColumn.create("prompt", prompts.subList(from, to)),
                StringColumn.create("completion", completions.subList(from, to)),
                IntColumn.create("length", lengths.subList(from, to).stream().mapToInt(Integer::intValue).toArray()));
        for (int f = 0; f < rewardNames.size(); f++) {
            int fn = f;
            t.addColumns(DoubleColumn.create(rewardNames.get(f), perFunction.subList(from, to).stream().mapToDouble(s -> s[fn]).toArray()));
        }
        t.addColumns(DoubleColumn.create("reward", rewards.subList(from, to).stream().mapToDouble(Double::doubleValue).toArray()),
                DoubleColumn.create("advantage", advantages.subList(from, to).stream().mapToDouble(Double::doubleValue).toArray()));
        return t;
    }
}
