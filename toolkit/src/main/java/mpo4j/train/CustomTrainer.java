package mpo4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A trainer for any {@link Trainable} model with an {@link Objective} of your own: the same loop,
 * optimizer, schedules, checkpoints and metrics as the preference trainer. Immutable like every trainer.
 */
public final class CustomTrainer<B> extends TrainerBase<CustomTrainer<B>> {
    private final Trainable model;
    private final Objective<B> objective;
    private final Batches<B> train;
    private Batches<B> eval;
    private boolean evaluateAtEnd;

    private CustomTrainer(Trainable model, Objective<B> objective, Batches<B> train) {
        this.model = model;
        this.objective = objective;
        this.train = train;
    }

    private CustomTrainer(CustomTrainer<B> other) {
        super(other);
        this.model = other.model;
        this.objective = other.objective;
        this.train = other.train;
        this.eval = other.eval;
        this.evaluateAtEnd = other.evaluateAtEnd;
    }

    public static <B> CustomTrainer<B> of(Trainable model, Objective<B> objective, Batches<B> train) {
        return new CustomTrainer<>(model, objective, train);
    }

    @Override
    protected CustomTrainer<B> copy() { return new CustomTrainer<>(this); }

    /** Held-out data evaluated every {@code evalEvery} steps. */
    public CustomTrainer<B> eval(Batches<B> heldOut) { return change(t -> t.eval = heldOut); }

    /** Evaluate the final model even without periodic evaluation ({@code evalEvery} 0). */
    public CustomTrainer<B> evaluateAtEnd(boolean on) { return change(t -> t.evaluateAtEnd = on); }

    public TrainRun fit() { return loop(outputDir()).fit(); }

    /** Continues from the latest checkpoint in {@code dir} (or the checkpoint {@code dir} itself). */
    public TrainRun resume(Path dir) {
        Path out = outputDir();
        if (out == null && trainConfig().saveEvery() > 0) {
            try {
                out = Checkpoint.latest(dir).getParent();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return loop(out).resume(dir);
    }

    private TrainLoop<B> loop(Path out) {
        return new TrainLoop<>(model, objective, train, eval, trainConfig(), allListeners(), out).evaluateAtEnd(evaluateAtEnd);
    }
}
