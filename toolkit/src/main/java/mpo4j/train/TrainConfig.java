package mpo4j.train;

/**
 * Hyper-parameters of a training run. Defaults follow TRL's {@code DPOConfig} and the Hugging Face
 * {@code TrainingArguments} it extends: learning rate 1e-6 (DPOConfig), linear schedule without
 * warmup, weight decay 0, max grad norm 1.0, Adam β 0.9/0.999, ε 1e-8, batch size 8, gradient
 * accumulation 1, 3 epochs, seed 42. Evaluation and checkpoints are off unless a cadence is set.
 *
 * <pre>{@code
 * TrainConfig c = TrainConfig.defaults().withLr(5e-5).withSchedule(Schedule.cosine().withWarmupRatio(0.03));
 * }</pre>
 *
 * @param maxSteps when &gt; 0, stop after this many optimizer steps (overrides epochs, as HF)
 * @param evalBatchSize pairs per evaluation batch, 0 for {@code batchSize} (HF's
 *     {@code per_device_eval_batch_size}). Evaluation metrics are means of per-batch means, as in
 *     TRL, so a size that divides the held-out set makes them exact shares of pairs.
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
        int evalBatchSize) {

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
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static TrainConfig defaults() {
        return new TrainConfig(8, 1, 1e-6, Schedule.linear(), 0.0, 1.0, 0.9, 0.999, 1e-8, 3, -1, 42, 0, 0, 0);
    }

    public TrainConfig withBatchSize(int v) { return new TrainConfig(v, gradAccum, lr, schedule, weightDecay, maxGradNorm, beta1, beta2, eps, epochs, maxSteps, seed, evalEvery, saveEvery, evalBatchSize); }
    public TrainConfig withGradAccum(int v) { return new TrainConfig(batchSize, v, lr, schedule, weightDecay, maxGradNorm, beta1, beta2, eps, epochs, maxSteps, seed, evalEvery, saveEvery, evalBatchSize); }
    public TrainConfig withLr(double v) { return new TrainConfig(batchSize, gradAccum, v, schedule, weightDecay, maxGradNorm, beta1, beta2, eps, epochs, maxSteps, seed, evalEvery, saveEvery, evalBatchSize); }
    public TrainConfig withSchedule(Schedule v) { return new TrainConfig(batchSize, gradAccum, lr, v, weightDecay, maxGradNorm, beta1, beta2, eps, epochs, maxSteps, seed, evalEvery, saveEvery, evalBatchSize); }
    public TrainConfig withWeightDecay(double v) { return new TrainConfig(batchSize, gradAccum, lr, schedule, v, maxGradNorm, beta1, beta2, eps, epochs, maxSteps, seed, evalEvery, saveEvery, evalBatchSize); }
    public TrainConfig withMaxGradNorm(double v) { return new TrainConfig(batchSize, gradAccum, lr, schedule, weightDecay, v, beta1, beta2, eps, epochs, maxSteps, seed, evalEvery, saveEvery, evalBatchSize); }
    public TrainConfig withBetas(double b1, double b2) { return new TrainConfig(batchSize, gradAccum, lr, schedule, weightDecay, maxGradNorm, b1, b2, eps, epochs, maxSteps, seed, evalEvery, saveEvery, evalBatchSize); }
    public TrainConfig withEps(double v) { return new TrainConfig(batchSize, gradAccum, lr, schedule, weightDecay, maxGradNorm, beta1, beta2, v, epochs, maxSteps, seed, evalEvery, saveEvery, evalBatchSize); }
    public TrainConfig withEpochs(int v) { return new TrainConfig(batchSize, gradAccum, lr, schedule, weightDecay, maxGradNorm, beta1, beta2, eps, v, maxSteps, seed, evalEvery, saveEvery, evalBatchSize); }
    public TrainConfig withMaxSteps(int v) { return new TrainConfig(batchSize, gradAccum, lr, schedule, weightDecay, maxGradNorm, beta1, beta2, eps, epochs, v, seed, evalEvery, saveEvery, evalBatchSize); }
    public TrainConfig withSeed(long v) { return new TrainConfig(batchSize, gradAccum, lr, schedule, weightDecay, maxGradNorm, beta1, beta2, eps, epochs, maxSteps, v, evalEvery, saveEvery, evalBatchSize); }
    public TrainConfig withEvalEvery(int v) { return new TrainConfig(batchSize, gradAccum, lr, schedule, weightDecay, maxGradNorm, beta1, beta2, eps, epochs, maxSteps, seed, v, saveEvery, evalBatchSize); }
    public TrainConfig withSaveEvery(int v) { return new TrainConfig(batchSize, gradAccum, lr, schedule, weightDecay, maxGradNorm, beta1, beta2, eps, epochs, maxSteps, seed, evalEvery, v, evalBatchSize); }
    public TrainConfig withEvalBatchSize(int v) { return new TrainConfig(batchSize, gradAccum, lr, schedule, weightDecay, maxGradNorm, beta1, beta2, eps, epochs, maxSteps, seed, evalEvery, saveEvery, v); }

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
