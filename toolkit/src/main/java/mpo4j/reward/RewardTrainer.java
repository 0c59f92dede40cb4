package mpo4j.reward;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mpo4j.data.Dataset;
import mpo4j.data.RewardPair;
import mpo4j.loss.RewardLoss;
import mpo4j.train.Batches;
import mpo4j.train.CustomTrainer;
import mpo4j.train.TrainListener;
import mpo4j.train.TrainRun;
import mpo4j.train.TrainerBase;

/**
 * Trains a {@link RewardModel} on A/B/C-labelled pairs with the shared training loop (AdamW, schedules,
 * global-norm clipping, accumulation, checkpoints, metrics, listeners, cancellation).
 *
 * <pre>{@code
 * RewardRun run = RewardTrainer.of(rm)
 *         .loss("sigmoid").margin(0.1)                 // or "logexp", "hps"
 *         .data(rewardDataset("datasets-sample/reward/train.jsonl"))
 *         .eval(rewardDataset("datasets-sample/reward/eval.jsonl"))
 *         .batchSize(8).lr(1e-4).cosine().warmupRatio(0.05).epochs(3).evalEvery(20)
 *         .output("runs/rm").fit();                   // evals/eval_results_{step}.jsonl under runs/rm
 * run.lastEvaluation().accuracy("preference");
 * run.curves().saveAll(Path.of("runs/rm/plots"));
 * }</pre>
 *
 * <p>Every {@code evalEvery} steps, and once at the end if the last step was not evaluated, the held-out
 * pairs are scored: per head accuracy over A/B pairs (strict {@code >}), mean chosen and rejected scores,
 * and {@code evals/eval_results_{step}.jsonl} (one line per pair, ties included) when an output directory
 * is set. The {@code eval/} rows are exact over all held-out pairs; {@link RewardRun#evaluations()} also
 * holds every pair's scores.
 */
public final class RewardTrainer extends TrainerBase<RewardTrainer> {
    private final RewardModel model;
    private RewardLoss loss = RewardLoss.sigmoid();
    private List<RewardPair> train;
    private List<RewardPair> heldOut;
    private RewardCollator collator;

    private RewardTrainer(RewardModel model) {
        this.model = model;
        this.collator = model.collator();
    }

    public static RewardTrainer of(RewardModel model) { return new RewardTrainer(model); }

    /** {@code sigmoid} (Bradley–Terry with margin, default), {@code logexp} or {@code hps}. */
    public RewardTrainer loss(String name) { loss = RewardLoss.of(name).margin(loss.margin()); return this; }

    public RewardTrainer loss(RewardLoss l) { loss = l; return this; }

    /** The Bradley–Terry margin of {@code sigmoid} (default 0.1; ignored by the other losses). */
    public RewardTrainer margin(double m) { loss = loss.margin(m); return this; }

    public RewardTrainer data(Dataset<RewardPair> pairs) { return data(pairs.toList()); }

    public RewardTrainer data(List<RewardPair> pairs) { train = List.copyOf(pairs); return this; }

    public RewardTrainer eval(Dataset<RewardPair> pairs) { return eval(pairs.toList()); }

    public RewardTrainer eval(List<RewardPair> pairs) { heldOut = List.copyOf(pairs); return this; }

    /** Overrides the model's collator for training and evaluation. */
    public RewardTrainer collator(RewardCollator c) { collator = c; return this; }

    public RewardLoss rewardLoss() { return loss; }

    public RewardRun fit() { return run(null); }

    /** Continues from the latest checkpoint in {@code dir} (written with {@code output(dir).saveEvery(n)}). */
    public RewardRun resume(Path dir) { return run(dir); }

    private RewardRun run(Path resumeFrom) {
        if (train == null || train.isEmpty()) {
            throw new IllegalArgumentException("no training pairs: call data(...) with at least one reward pair");
        }
        if (collator == null) {
            throw new IllegalStateException("no collator: build the RewardModel with .tokenizer(tok) or call collator(...)");
        }
        RewardObjective objective = new RewardObjective(model, loss);
        List<RewardEvaluation> evaluations = new ArrayList<>();
        CustomTrainer<List<RewardBatch>> trainer = CustomTrainer.of(model, objective, trainBatches(train)).config(config);
        if (heldOut != null && !heldOut.isEmpty()) {
            trainer.eval(wholeSet(heldOut));
        }
        if (outputDir != null) {
            trainer.output(outputDir);
        }
        if (progressBar != null) {
            trainer.progressBar(progressBar);
        }
        trainer.listener(new TrainListener() {
            @Override
            public void onEval(Progress p) {
                record(objective.takeEvaluation(p.step()), evaluations);
            }
        });
        listeners.forEach(trainer::listener);
        TrainRun run = resumeFrom == null ? trainer.fit() : trainer.resume(resumeFrom);
        boolean evaluatedLast = !evaluations.isEmpty() && evaluations.get(evaluations.size() - 1).step() == run.steps();
        if (heldOut != null && !heldOut.isEmpty() && !evaluatedLast && !run.interrupted()) {
            RewardEvaluation last = model.withCollator(collator).evaluate(heldOut, config.evalBatchSizeOrTrain());
            last = new RewardEvaluation(run.steps(), last.heads(), last.samples());
            record(last, evaluations);
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("step", (double) run.steps());
            row.put("epoch", (double) config.epochs());
            last.metrics().forEach((k, v) -> row.put("eval/" + k, v));
            run.log().add(row);
        }
        return new RewardRun(run, evaluations);
    }

    private void record(RewardEvaluation e, List<RewardEvaluation> evaluations) {
        if (e == null) {
            return;
        }
        evaluations.add(e);
        if (outputDir != null) {
            e.writeInto(outputDir);
        }
    }

    /** One collated micro-batch per call, from the indices the loop picks. */
    private Batches<List<RewardBatch>> trainBatches(List<RewardPair> pairs) {
        RewardCollator c = collator;
        return new Batches<>() {
            @Override
            public int size() { return pairs.size(); }

            @Override
            public List<RewardBatch> batch(int[] indices) {
                List<RewardPair> picked = new ArrayList<>(indices.length);
                for (int i : indices) {
                    picked.add(pairs.get(i));
                }
                return List.of(c.collate(picked));
            }
        };
    }

    /**
     * The held-out set as a single "example" whose batch is every pair, in chunks of the batch size:
     * the loop then evaluates once over all pairs, so accuracy counts every A/B pair exactly (the loop
     * would otherwise average per-batch accuracies).
     */
    private Batches<List<RewardBatch>> wholeSet(List<RewardPair> pairs) {
        RewardCollator c = collator;
        int chunk = config.evalBatchSizeOrTrain();
        return new Batches<>() {
            @Override
            public int size() { return 1; }

            @Override
            public List<RewardBatch> batch(int[] indices) {
                List<RewardBatch> chunks = new ArrayList<>();
                for (int from = 0; from < pairs.size(); from += chunk) {
                    chunks.add(c.collate(pairs.subList(from, Math.min(pairs.size(), from + chunk))));
                }
                return chunks;
            }
        };
    }
}
