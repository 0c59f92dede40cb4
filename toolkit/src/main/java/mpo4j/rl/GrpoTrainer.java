package mpo4j.rl;

import mpo4j.model.CausalLm;
import mpo4j.online.GrpoLossConfig;
import mpo4j.online.GrpoLossType;
import mpo4j.online.ImportanceSamplingLevel;
import mpo4j.online.ScaleRewards;

/**
 * GRPO (and GSPO with {@code importanceSamplingLevel("sequence")}) of any {@link CausalLm} on prompts
 * from the toolkit's datasets, configured fluently and immutably like every trainer. Settings and defaults
 * are TRL's {@code GRPOConfig}, camelCased: {@code numGenerations} 8, {@code maxCompletionLength} 256,
 * {@code temperature} 1, {@code topP} 1, {@code topK} 0 (off), {@code beta} 0 (no reference model),
 * {@code epsilon} 0.2, {@code epsilonHigh} = epsilon, {@code lossType} dapo, {@code scaleRewards} group,
 * {@code importanceSamplingLevel} token, {@code numIterations} 1, {@code maskTruncatedCompletions} false;
 * the shared settings are described in {@link OnlineTrainer}.
 *
 * <p>Each example is a {@link mpo4j.data.PreferencePair}: its prompt and images are what the policy
 * answers; its {@code chosen} answer reaches the reward functions as the {@code answer} column (with
 * {@code source} and {@code images}), so an MMPR or TRL preference file doubles as a GRPO prompt set.
 *
 * <p>One step: sample {@code numGenerations} completions per prompt (autograd off), score them, group
 * advantages, the policy's per-token log-probs at the sampling temperature, {@code GrpoLoss}. The dapo
 * normaliser is each micro-batch's own completion tokens. The model is trained in place; {@link #fit()}
 * returns the run and the table of sampled completions. Checkpoints hold the sampler's position (every
 * round's seed derives from the run seed and the round), so {@link #resume} equals an uninterrupted run.
 */
public final class GrpoTrainer extends OnlineTrainer<GrpoTrainer> {
    private GrpoLossConfig loss = GrpoLossConfig.DEFAULT.maxCompletionLength(256);
    private ScaleRewards scaleRewards = ScaleRewards.GROUP;
    private int stepsPerGeneration = 1;

    private GrpoTrainer(CausalLm model) { super(model, 8); }

    private GrpoTrainer(GrpoTrainer other) {
        super(other);
        this.loss = other.loss;
        this.scaleRewards = other.scaleRewards;
        this.stepsPerGeneration = other.stepsPerGeneration;
    }

    @Override
    protected GrpoTrainer copy() { return new GrpoTrainer(this); }

    /** GRPO of {@code model} (trained in place), with TRL's defaults. */
    public static GrpoTrainer of(CausalLm model) { return new GrpoTrainer(model); }

    /** Weight of the k3 KL to a frozen copy of the initial policy (TRL default 0: no reference is made). */
    public GrpoTrainer beta(double v) {
        GrpoLossConfig c = loss.beta(v);
        return change(t -> t.loss = c);
    }

    /** Lower clipping bound {@code 1 - epsilon} (TRL default 0.2). */
    public GrpoTrainer epsilon(double v) {
        GrpoLossConfig c = loss.epsilon(v);
        return change(t -> t.loss = c);
    }

    /** Upper clipping bound {@code 1 + epsilonHigh} (default: epsilon; DAPO recommends 0.28). */
    public GrpoTrainer epsilonHigh(double v) {
        GrpoLossConfig c = loss.epsilonHigh(v);
        return change(t -> t.loss = c);
    }

    /** grpo, bnpo, dr_grpo or dapo (TRL default dapo). */
    public GrpoTrainer lossType(String name) { return lossType(GrpoLossType.of(name)); }

    /** The loss aggregation. */
    public GrpoTrainer lossType(GrpoLossType type) {
        GrpoLossConfig c = loss.lossType(type);
        return change(t -> t.loss = c);
    }

    /** group, batch or none (TRL default group). */
    public GrpoTrainer scaleRewards(String name) { return scaleRewards(ScaleRewards.of(name)); }

    /** How advantages are scaled. */
    public GrpoTrainer scaleRewards(ScaleRewards scale) {
        if (scale == null) {
            throw new IllegalArgumentException("scale_rewards must be group, batch or none, got null");
        }
        return change(t -> t.scaleRewards = scale);
    }

    /** token (GRPO, default) or sequence (GSPO). */
    public GrpoTrainer importanceSamplingLevel(String name) { return importanceSamplingLevel(ImportanceSamplingLevel.of(name)); }

    /** Token-level (GRPO) or sequence-level (GSPO) importance ratios. */
    public GrpoTrainer importanceSamplingLevel(ImportanceSamplingLevel level) {
        GrpoLossConfig c = loss.importanceSamplingLevel(level);
        return change(t -> t.loss = c);
    }

    /**
     * TRL's {@code steps_per_generation}: one generation round ({@code batchSize} prompts x
     * {@code numGenerations} completions, advantages over all of them) is split into this many equal
     * consecutive slices, trained on in consecutive micro-batches (with {@code numIterations}, each
     * iteration passes over every slice). The loop's prompts of the micro-batches in between are not
     * sampled, as with {@code numIterations}; count steps with {@code maxSteps}. When a round spans
     * optimizer steps ({@code gradAccum} is not a multiple of {@code numIterations * stepsPerGeneration})
     * the sampling policy's log-probs are kept, so the later slices are importance-weighted against it.
     * A resume equals the uninterrupted run when the checkpoint falls on a round boundary (save every
     * multiple of {@code numIterations * stepsPerGeneration / gradAccum} steps); from inside a round it
     * samples that round again, from the checkpoint's prompts and policy.
     * Default 1 (TRL's default is {@code gradient_accumulation_steps}, where its batch size counts completions).
     */
    public GrpoTrainer stepsPerGeneration(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("steps_per_generation must be >= 1, got " + n);
        }
        return change(t -> t.stepsPerGeneration = n);
    }

    @Override
    int stepsPerGeneration() { return stepsPerGeneration; }

    /** The loss settings in effect ({@code maxCompletionLength} is dr_grpo's constant). */
    public GrpoLossConfig lossConfig() { return loss.maxCompletionLength(maxCompletionLength()); }

    @Override
    String methodSettings() { return lossConfig() + ", scale_rewards " + scaleRewards.name().toLowerCase(java.util.Locale.ROOT); }

    @Override
    boolean needsReference() { return loss.beta() != 0; }

    @Override
    OnlineObjective<?> objective(OnlineSetup setup, CausalLm reference, CompletionLog log) {
        return new GrpoObjective(model, reference, setup, lossConfig(), scaleRewards, log);
    }
}
