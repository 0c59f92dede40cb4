package mpo4j.reward;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mpo4j.data.Dataset;
import mpo4j.data.OnError;
import mpo4j.data.RewardPair;
import mpo4j.loss.RewardLoss;
import mpo4j.train.Batches;
import mpo4j.train.CustomTrainer;
import mpo4j.train.SkippingBatches;
import mpo4j.train.TrainListener;
import mpo4j.train.TrainRun;
import mpo4j.train.TrainerBase;

/**
 * Trains a {@link RewardModel} on A/B/C-labelled pairs with the shared training loop (AdamW, schedules,
 * global-norm clipping, accumulation, checkpoints, metrics, listeners, cancellation).
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
    private OnError onError = OnError.FAIL;

    private RewardTrainer(RewardModel model) {
        this.model = model;
        this.collator = model.collator();
    }

    private RewardTrainer(RewardTrainer other) {
        super(other);
        this.model = other.model;
        this.loss = other.loss;
        this.train = other.train;
        this.heldOut = other.heldOut;
        this.collator = other.collator;
        this.onError = other.onError;
    }

    @Override
    protected RewardTrainer copy() { return new RewardTrainer(this); }

    public static RewardTrainer of(RewardModel model) { return new RewardTrainer(model); }

    /** {@code sigmoid} (Bradley–Terry with margin, default), {@code logexp} or {@code hps}. */
    public RewardTrainer loss(String name) { return loss(RewardLoss.of(name).margin(loss.margin())); }

    public RewardTrainer loss(RewardLoss l) { return change(t -> t.loss = l); }

    /** The Bradley–Terry margin of {@code sigmoid} (default 0.1; ignored by the other losses). */
    public RewardTrainer margin(double m) { return loss(loss.margin(m)); }

    public RewardTrainer data(Dataset<RewardPair> pairs) { return data(pairs.toList()); }

    public RewardTrainer data(List<RewardPair> pairs) { List<RewardPair> copy = List.copyOf(pairs); return change(t -> t.train = copy); }

    public RewardTrainer eval(Dataset<RewardPair> pairs) { return eval(pairs.toList()); }

    public RewardTrainer eval(List<RewardPair> pairs) { List<RewardPair> copy = List.copyOf(pairs); return change(t -> t.heldOut = copy); }

    /** Overrides the model's collator for training and evaluation. */
    public RewardTrainer collator(RewardCollator c) { return change(t -> t.collator = c); }

    /**
     * What a pair that fails to collate during training does (a truncated image, say): {@link OnError#FAIL}
     * (default) stops with an error naming its file and line ({@link mpo4j.train.TrainingFailedException},
     * the run so far kept); {@link OnError#SKIP} drops it, logs it once and counts it in {@code skipped_pairs}.
     */
    public RewardTrainer onError(OnError policy) {
        java.util.Objects.requireNonNull(policy, "onError policy");
        return change(t -> t.onError = policy);
    }

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
        CustomTrainer<List<RewardBatch>> trainer = CustomTrainer.of(model, objective, trainBatches(train)).config(trainConfig());
        if (heldOut != null && !heldOut.isEmpty()) {
            trainer = trainer.eval(trainBatches(heldOut)).evaluateAtEnd(true);
        }
        if (outputDir() != null) {
            trainer = trainer.output(outputDir());
        }
        trainer = trainer.listener(new TrainListener() {
            @Override
            public void onEval(Progress p) {
                record(objective.takeEvaluation(p.step()), evaluations);
            }
        });
        for (TrainListener l : allListeners()) {
            trainer = trainer.listener(l);
        }
        trainer = trainer.progressBar(false);    // allListeners() above already chose the display
        TrainRun run = resumeFrom == null ? trainer.fit() : trainer.resume(resumeFrom);
        return new RewardRun(run, evaluations);
    }

    private void record(RewardEvaluation e, List<RewardEvaluation> evaluations) {
        if (e == null) {
            return;
        }
        evaluations.add(e);
        if (outputDir() != null) {
            e.writeInto(outputDir());
        }
    }

    /**
     * One collated micro-batch per call, from the indices the loop picks; a pair that fails to collate is
     * handled by {@link #onError} ({@code skipped_pairs} under SKIP).
     */
    private Batches<List<RewardBatch>> trainBatches(List<RewardPair> pairs) {
        RewardCollator c = collator;
        SkippingBatches<RewardPair, RewardBatch> batches = new SkippingBatches<>(pairs, (picked, indices) -> c.collate(picked),
                p -> String.valueOf(p.source()), onError == OnError.SKIP, "pair");
        return new Batches<>() {
            @Override
            public int size() { return batches.size(); }

            @Override
            public List<RewardBatch> batch(int[] indices) {
                RewardBatch b = batches.batch(indices);
                return b == null ? null : List.of(b);
            }

            @Override
            public java.util.Map<String, Double> skipped() { return batches.skipped(); }
        };
    }
}
