package mpo4j.reward;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.loss.RewardLoss;
import mpo4j.loss.RewardLossResult;
import mpo4j.train.Objective;
import mpo4j.train.StepOutput;
import mpo4j.engine.HostCopy;

/**
 * The reward model's training objective: every head scores both inputs, {@link RewardLoss} turns the
 * scores and the A/B/C labels into the loss (HPS-scaled scores when training with a scale).
 *
 * <p>Logged per micro-batch: {@code loss}; per head {@code {h}_loss}, {@code {h}_tie} (mean |s0−s1| over
 * ties), {@code {h}_acc}, {@code {h}_chosen_reward}, {@code {h}_reject_reward} (unscaled scores of the
 * preferred and the other input over the A/B pairs); while training also their moving averages
 * {@code …_ma} = 0.9·previous + 0.1·current (starting from 0, as LightRFT); and, summed over heads for the
 * run's standard curves, {@code rewards/chosen}, {@code rewards/rejected}, {@code rewards/margins},
 * {@code rewards/accuracies}. The moving averages are training state (checkpointed, restored on resume).
 *
 * <p>Each metric carries its weight (A/B pairs of its head, tie pairs for {@code {h}_tie}, pairs for
 * {@code loss}), so the trainer's evaluation rows are exact over all held-out pairs. During evaluation
 * ({@code training == false}) every pair's unscaled scores are also kept, batch after batch, for the
 * {@code evals/eval_results_{step}.jsonl} file; {@link #takeEvaluation} hands them over.
 */
final class RewardObjective implements Objective<List<RewardBatch>> {
    static final double MA_DECAY = 0.9;

    private final RewardModel model;
    private final RewardLoss loss;
    private final Map<String, Double> movingAverages = new LinkedHashMap<>();
    private RewardEvaluation.Builder pending;

    RewardObjective(RewardModel model, RewardLoss loss) {
        this.model = model;
        this.loss = loss;
    }

    RewardLoss loss() { return loss; }

    /** One micro-batch. */
    StepOutput compute(RewardBatch batch, NDManager scope, boolean training) {
        return compute(List.of(batch), scope, training);
    }

    /**
     * The loss and metrics over all {@code chunks} together (training passes one; evaluation passes the
     * whole held-out set in chunks, so its accuracy and means are exact over every A/B pair). Chunks are
     * forwarded one at a time; without gradient only their scores outlive the chunk.
     */
    @Override
    public StepOutput compute(List<RewardBatch> chunks, NDManager scope, boolean training) {
        if (training && chunks.size() != 1) {
            throw new IllegalArgumentException("a training micro-batch is one RewardBatch, got " + chunks.size());
        }
        Map<String, List<RewardModel.Sides>> perHead = new LinkedHashMap<>();
        for (RewardBatch chunk : chunks) {
            if (training) {
                model.forward(chunk, scope).forEach((h, s) -> perHead.computeIfAbsent(h, k -> new ArrayList<>()).add(s));
                continue;
            }
            try (NDManager chunkScope = scope.newSubManager()) {
                model.forward(chunk, chunkScope).forEach((h, s) -> {
                    s.scores0().attach(scope);
                    s.scores1().attach(scope);
                    perHead.computeIfAbsent(h, k -> new ArrayList<>()).add(s);
                });
            }
        }
        List<Map<String, String>> allLabels = new ArrayList<>();
        chunks.forEach(c -> allLabels.addAll(c.labels()));
        Map<String, RewardModel.Sides> sides = new LinkedHashMap<>();
        perHead.forEach((h, list) -> sides.put(h, list.size() == 1 ? list.get(0) : new RewardModel.Sides(
                concat(list.stream().map(RewardModel.Sides::scores0).toList()),
                concat(list.stream().map(RewardModel.Sides::scores1).toList()))));
        List<RewardLoss.HeadScores> scored = new ArrayList<>();
        sides.forEach((h, s) -> {
            RewardModel.Sides used = training ? model.trainScaled(h, s, scope) : s;
            scored.add(new RewardLoss.HeadScores(h, used.scores0(), used.scores1(), labelsOf(allLabels, h)));
        });
        RewardLossResult result = loss.compute(scored);

        List<RewardModel.PairScores> scores = new ArrayList<>();
        Map<String, float[]> s0 = new LinkedHashMap<>(), s1 = new LinkedHashMap<>();
        sides.forEach((h, s) -> {
            s0.put(h, HostCopy.floats(s.scores0()));
            s1.put(h, HostCopy.floats(s.scores1()));
        });
        Map<String, Double> metrics = new LinkedHashMap<>();
        Map<String, Double> weights = new LinkedHashMap<>();
        metrics.put("loss", result.value());
        weights.put("loss", (double) allLabels.size());
        double chosenAll = 0, rejectedAll = 0, correctAll = 0;
        int decidedAll = 0;
        for (String h : sides.keySet()) {
            List<String> labels = labelsOf(allLabels, h);
            double chosen = 0, rejected = 0;
            int decided = 0, correct = 0, ties = 0;
            for (int i = 0; i < labels.size(); i++) {
                int sign = RewardEvaluation.sign(labels.get(i));
                if (sign != 0) {
                    double c = sign > 0 ? s0.get(h)[i] : s1.get(h)[i];
                    double r = sign > 0 ? s1.get(h)[i] : s0.get(h)[i];
                    chosen += c;
                    rejected += r;
                    correct += c > r ? 1 : 0;
                    decided++;
                } else {
                    ties++;
                }
            }
            if (decided > 0) {
                metrics.put(h + "_loss", result.headLosses().get(h));
                metrics.put(h + "_acc", correct / (double) decided);
                metrics.put(h + "_chosen_reward", chosen / decided);
                metrics.put(h + "_reject_reward", rejected / decided);
                for (String m : List.of("_loss", "_acc", "_chosen_reward", "_reject_reward")) {
                    weights.put(h + m, (double) decided);
                }
            }
            metrics.put(h + "_tie", result.tieTerms().get(h));
            weights.put(h + "_tie", (double) ties);
            chosenAll += chosen;
            rejectedAll += rejected;
            correctAll += correct;
            decidedAll += decided;
        }
        if (decidedAll > 0) {
            metrics.put("rewards/chosen", chosenAll / decidedAll);
            metrics.put("rewards/rejected", rejectedAll / decidedAll);
            metrics.put("rewards/margins", (chosenAll - rejectedAll) / decidedAll);
            metrics.put("rewards/accuracies", correctAll / decidedAll);
            for (String m : List.of("rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies")) {
                weights.put(m, (double) decidedAll);
            }
        }
        if (training) {
            addMovingAverages(metrics, sides.keySet());
        } else {
            for (int i = 0; i < allLabels.size(); i++) {
                Map<String, Double> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
                for (String h : sides.keySet()) {
                    a.put(h, (double) s0.get(h)[i]);
                    b.put(h, (double) s1.get(h)[i]);
                }
                scores.add(new RewardModel.PairScores(a, b));
            }
            if (pending == null) {
                pending = RewardEvaluation.builder(model.heads());
            }
            int from = 0;
            for (RewardBatch chunk : chunks) {
                pending.add(chunk, scores.subList(from, from + chunk.pairs()));
                from += chunk.pairs();
            }
        }
        long tokens = chunks.stream().mapToLong(RewardBatch::tokens).sum();
        return new StepOutput(result.loss(), metrics, tokens, weights);
    }

    private static List<String> labelsOf(List<Map<String, String>> labels, String head) {
        return labels.stream().map(m -> m.getOrDefault(head, "")).toList();
    }

    private static ai.djl.ndarray.NDArray concat(List<ai.djl.ndarray.NDArray> parts) {
        return ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(parts));
    }

    private void addMovingAverages(Map<String, Double> metrics, Iterable<String> heads) {
        List<String> keys = new ArrayList<>(List.of("loss"));
        for (String h : heads) {
            keys.addAll(List.of(h + "_loss", h + "_acc", h + "_chosen_reward", h + "_reject_reward"));
        }
        for (String k : keys) {
            Double current = metrics.get(k);
            if (current != null) {
                double ma = MA_DECAY * movingAverages.getOrDefault(k, 0.0) + (1 - MA_DECAY) * current;
                movingAverages.put(k, ma);
                metrics.put(k + "_ma", ma);
            }
        }
    }

    /** The pairs scored since the last call, as the evaluation at {@code step}; {@code null} if none. */
    RewardEvaluation takeEvaluation(int step) {
        if (pending == null) {
            return null;
        }
        RewardEvaluation e = pending.build(step);
        pending = null;
        return e;
    }

    @Override
    public Map<String, Double> state() {
        Map<String, Double> s = new LinkedHashMap<>();
        movingAverages.forEach((k, v) -> s.put("ma/" + k, v));
        return s;
    }

    @Override
    public void restore(Map<String, Double> state) {
        movingAverages.clear();
        state.forEach((k, v) -> {
            if (k.startsWith("ma/")) {
                movingAverages.put(k.substring(3), v);
            }
        });
    }

    /** With equal scores (c = r) and no ties: {@code softplus(m)} per head for {@code sigmoid}, {@code ln 2} otherwise. */
    @Override
    public Map<String, Double> initialLosses() {
        double perHead = loss.type() == RewardLoss.Type.SIGMOID ? Math.log1p(Math.exp(loss.margin())) : Math.log(2);
        return Map.of("loss", perHead * model.heads().size());
    }
}
