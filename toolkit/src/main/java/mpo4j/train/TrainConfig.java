package mpo4j.train;

/**
 * Hyper-parameters of a training run. Defaults follow TRL's {@code DPOConfig} and the Hugging Face
 * {@code TrainingArguments} it extends: learning rate 1e-6 (DPOConfig), linear schedule without
 * warmup, weight decay 0, max grad norm 1.0, Adam β 0.9/0.999, ε 1e-8, batch size 8, gradient
 * accumulation 1, 3 epochs, seed 42. Evaluation and checkpoints are off unless a cadence is set.
 *
 * @param maxSteps when &gt; 0, stop after this many optimizer steps (overrides epochs, as HF)
 * @param evalBatchSize pairs per evaluation batch, 0 for {@code batchSize} (HF's
 *     {@code per_device_eval_batch_size}). Evaluation metrics are means of per-batch means, as in
 *     TRL, so a size that divides the held-out set makes them exact shares of pairs.
 * @param saveTotalLimit when &gt; 0, keep only the newest this many {@code checkpoint-N} folders (HF's
 *     {@code save_total_limit}); 0 keeps all
 * @param skipNonFiniteGrads when a step's gradient norm is NaN or infinite: {@code false} (default) stops
 *     the run with an error naming the step; {@code true} drops that step's update, counts it in the
 *     {@code skipped_steps} metric and goes on
 */
public record TrainConfig(
        int batchSize,
        int gradAccum,
        double lr,
        Schedule schedule,
        double weightDecay,
        double maxGradNorm,
        double beta1,
        double beta2,
        double eps,
        int epochs,
        int maxSteps,
        long seed,
        int evalEvery,
        int saveEvery,
        int evalBatchSize,
        int saveTotalLimit,
        boolean skipNonFiniteGrads) {

    public TrainConfig {
        require(batchSize >= 1, "batchSize must be >= 1, got " + batchSize);
        require(gradAccum >= 1, "gradAccum must be >= 1, got " + gradAccum);
        require(lr >= 0 && Double.isFinite(lr), "lr must be a finite value >= 0, got " + lr);
        require(schedule != null, "schedule must not be null");
        require(weightDecay >= 0, "weightDecay must be >= 0, got " + weightDecay);
        require(!Double.isNaN(maxGradNorm), "maxGradNorm must not be NaN");
        require(epochs >= 1 || maxSteps > 0, "epochs must be >= 1, got " + epochs);
        require(evalEvery >= 0, "evalEvery must be >= 0, got " + evalEvery);
        require(saveEvery >= 0, "saveEvery must be >= 0, got " + saveEvery);
        require(evalBatchSize >= 0, "evalBatchSize must be >= 0 (0: the training batch size), got " + evalBatchSize);
        require(saveTotalLimit >= 0, "saveTotalLimit must be >= 0 (0: keep every checkpoint), got " + saveTotalLimit);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static TrainConfig defaults() {
        return new TrainConfig(8, 1, 1e-6, Schedule.linear(), 0.0, 1.0, 0.9, 0.999, 1e-8, 3, -1, 42, 0, 0, 0, 0, false);
    }

    public TrainConfig withBatchSize(int v) { return with(f -> f.batchSize = v); }
    public TrainConfig withGradAccum(int v) { return with(f -> f.gradAccum = v); }
    public TrainConfig withLr(double v) { return with(f -> f.lr = v); }
    public TrainConfig withSchedule(Schedule v) { return with(f -> f.schedule = v); }
    public TrainConfig withWeightDecay(double v) { return with(f -> f.weightDecay = v); }
    public TrainConfig withMaxGradNorm(double v) { return with(f -> f.maxGradNorm = v); }
    public TrainConfig withBetas(double b1, double b2) { return with(f -> { f.beta1 = b1; f.beta2 = b2; }); }
    public TrainConfig withEps(double v) { return with(f -> f.eps = v); }
    public TrainConfig withEpochs(int v) { return with(f -> f.epochs = v); }
    public TrainConfig withMaxSteps(int v) { return with(f -> f.maxSteps = v); }
    public TrainConfig withSeed(long v) { return with(f -> f.seed = v); }
    public TrainConfig withEvalEvery(int v) { return with(f -> f.evalEvery = v); }
    public TrainConfig withSaveEvery(int v) { return with(f -> f.saveEvery = v); }
    public TrainConfig withEvalBatchSize(int v) { return with(f -> f.evalBatchSize = v); }
    public TrainConfig withSaveTotalLimit(int v) { return with(f -> f.saveTotalLimit = v); }
    public TrainConfig withSkipNonFiniteGrads(boolean v) { return with(f -> f.skipNonFiniteGrads = v); }

    /** A copy with some fields changed; the one place that lists every field, so a new one is added once. */
    private TrainConfig with(java.util.function.Consumer<Fields> change) {
        Fields f = new Fields(this);
        change.accept(f);
        return new TrainConfig(f.batchSize, f.gradAccum, f.lr, f.schedule, f.weightDecay, f.maxGradNorm, f.beta1, f.beta2, f.eps,
                f.epochs, f.maxSteps, f.seed, f.evalEvery, f.saveEvery, f.evalBatchSize, f.saveTotalLimit, f.skipNonFiniteGrads);
    }

    private static final class Fields {
        int batchSize, gradAccum, epochs, maxSteps, evalEvery, saveEvery, evalBatchSize, saveTotalLimit;
        boolean skipNonFiniteGrads;
        double lr, weightDecay, maxGradNorm, beta1, beta2, eps;
        Schedule schedule;
        long seed;

        Fields(TrainConfig c) {
            batchSize = c.batchSize; gradAccum = c.gradAccum; lr = c.lr; schedule = c.schedule; weightDecay = c.weightDecay;
            maxGradNorm = c.maxGradNorm; beta1 = c.beta1; beta2 = c.beta2; eps = c.eps; epochs = c.epochs; maxSteps = c.maxSteps;
            seed = c.seed; evalEvery = c.evalEvery; saveEvery = c.saveEvery; evalBatchSize = c.evalBatchSize;
            saveTotalLimit = c.saveTotalLimit; skipNonFiniteGrads = c.skipNonFiniteGrads;
        }
    }

    /** Pairs per evaluation batch: {@code evalBatchSize}, or {@code batchSize} when it is 0. */
    public int evalBatchSizeOrTrain() {
        return evalBatchSize > 0 ? evalBatchSize : batchSize;
    }

    /** Micro-batches in one epoch of {@code examples} (the last one may be short, as HF's drop_last=false). */
    public int microBatchesPerEpoch(int examples) {
        return (examples + batchSize - 1) / batchSize;
    }

    /** Optimizer steps in one epoch (the last step may accumulate fewer micro-batches). */
    public int stepsPerEpoch(int examples) {
        return Math.max(1, (microBatchesPerEpoch(examples) + gradAccum - 1) / gradAccum);
    }

    /** Optimizer steps of the whole run. */
    public int totalSteps(int examples) {
        return maxSteps > 0 ? maxSteps : epochs * stepsPerEpoch(examples);
    }
}
