package mpo4j.train;

import java.nio.file.Path;

/**
 * A trainer for any {@link Trainable} model with an {@link Objective} of your own: the same loop,
 * optimizer, schedules, checkpoints and metrics as the preference trainer.
 *
 * <pre>{@code
 * TrainRun run = CustomTrainer.of(model, objective, trainBatches)
 *         .eval(heldOut).batchSize(16).lr(1e-2).constant().epochs(5).seed(7).fit();
 * }</pre>
 */
public final class CustomTrainer<B> extends TrainerBase<CustomTrainer<B>> {
    private final Trainable model;
    private final Objective<B> objective;
    private final Batches<B> train;
    private Batches<B> eval;

    private CustomTrainer(Trainable model, Objective<B> objective, Batches<B> train) {
        this.model = model;
        this.objective = objective;
        this.train = train;
    }

    public static <B> CustomTrainer<B> of(Trainable model, Objective<B> objective, Batches<B> train) {
        return new CustomTrainer<>(model, objective, train);
    }

    /** Held-out data evaluated every {@code evalEvery} steps. */
    public CustomTrainer<B> eval(Batches<B> heldOut) { eval = heldOut; return this; }

    public TrainRun fit() { return loop().fit(); }

    /** Continues from the latest checkpoint in {@code dir} (or the checkpoint {@code dir} itself). */
    public TrainRun resume(Path dir) {
        if (outputDir == null && config.saveEvery() > 0) {
            try {
                outputDir = Checkpoint.latest(dir).getParent();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return loop().resume(dir);
    }

    private TrainLoop<B> loop() {
        return new TrainLoop<>(model, objective, train, eval, config, allListeners(), outputDir);
    }
}
