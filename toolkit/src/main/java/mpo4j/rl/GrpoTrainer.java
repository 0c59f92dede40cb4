package mpo4j.rl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.Dataset;
import mpo4j.data.PreferencePair;
import mpo4j.generate.SamplingConfig;
import mpo4j.model.CausalLm;
import mpo4j.online.GrpoLossConfig;
import mpo4j.online.GrpoLossType;
import mpo4j.online.ImportanceSamplingLevel;
import mpo4j.online.NamedReward;
import mpo4j.online.RewardFunction;
import mpo4j.online.ScaleRewards;
import mpo4j.online.WeightedRewards;
import mpo4j.train.Checkpoint;
import mpo4j.train.ModelTrainable;
import mpo4j.train.TrainLoop;
import mpo4j.train.TrainRun;
import mpo4j.train.TrainerBase;

/**
 * GRPO (and GSPO with {@code importanceSamplingLevel("sequence")}) of any {@link CausalLm} on prompts
 * from the toolkit's datasets, configured fluently and immutably like every trainer. Settings and defaults
 * are TRL's {@code GRPOConfig}, camelCased: {@code numGenerations} 8, {@code maxCompletionLength} 256,
 * {@code temperature} 1, {@code topP} 1, {@code topK} 0 (off), {@code beta} 0 (no reference model),
 * {@code epsilon} 0.2, {@code epsilonHigh} = epsilon, {@code lossType} dapo, {@code scaleRewards} group,
 * {@code importanceSamplingLevel} token, {@code numIterations} 1, {@code maskTruncatedCompletions} false.
 *
 * <p>Each example is a {@link PreferencePair}: its prompt and images are what the policy answers; its
 * {@code chosen} answer reaches the reward functions as the {@code answer} column (with {@code source} and
 * {@code images}), so an MMPR or TRL preference file doubles as a GRPO prompt set.
 *
 * <p>One difference from TRL in counting: {@code batchSize} is in <em>prompts</em> per micro-batch (each
 * sampled {@code numGenerations} times), where TRL's {@code per_device_train_batch_size} counts completions.
 * Every micro-batch samples its own completions (TRL's {@code steps_per_generation} equal to 1), and its
 * dapo normaliser is the micro-batch's own completion tokens.
 *
 * <p>The model is trained in place; {@link #fit()} returns the run and the table of sampled completions.
 * Checkpoints ({@code output(dir).saveEvery(n)}) hold the sampler's position (the number of micro-batches
 * drawn; every round's seed derives from the run seed and the round), so {@link #resume(Path)} equals an
 * uninterrupted run.
 */
public final class GrpoTrainer extends TrainerBase<GrpoTrainer> {
    private static final String REFERENCE_DIR = "reference";

    private final CausalLm model;
    private List<PreferencePair> train = List.of();
    private List<NamedReward> rewardFuncs = List.of();
    private double[] rewardWeights;
    private int numGenerations = 8;
    private int maxCompletionLength = 256;
    private SamplingConfig sampling = SamplingConfig.trlDefaults();
    private GrpoLossConfig loss = GrpoLossConfig.DEFAULT;
    private ScaleRewards scaleRewards = ScaleRewards.GROUP;
    private int numIterations = 1;
    private boolean maskTruncatedCompletions;
    private Function<List<PreferencePair>, PreferenceBatch> collator;
    private Function<long[], String> decoder;

    private GrpoTrainer(CausalLm model) { this.model = model; }

    private GrpoTrainer(GrpoTrainer other) {
        super(other);
        this.model = other.model;
        this.train = other.train;
        this.rewardFuncs = other.rewardFuncs;
        this.rewardWeights = other.rewardWeights;
        this.numGenerations = other.numGenerations;
        this.maxCompletionLength = other.maxCompletionLength;
        this.sampling = other.sampling;
        this.loss = other.loss;
        this.scaleRewards = other.scaleRewards;
        this.numIterations = other.numIterations;
        this.maskTruncatedCompletions = other.maskTruncatedCompletions;
        this.collator = other.collator;
        this.decoder = other.decoder;
    }

    @Override
    protected GrpoTrainer copy() { return new GrpoTrainer(this); }

    /** GRPO of {@code model} (trained in place), with TRL's defaults. */
    public static GrpoTrainer of(CausalLm model) { return new GrpoTrainer(model); }

    /** The training prompts (their chosen answers become the {@code answer} column). */
    public GrpoTrainer data(List<PreferencePair> prompts) {
        List<PreferencePair> copy = List.copyOf(prompts);
        return change(t -> t.train = copy);
    }

    /** The training prompts from a data set (read once into memory). */
    public GrpoTrainer data(Dataset<PreferencePair> prompts) { return data(prompts.toList()); }

    /** TRL's {@code reward_funcs}: replaces the reward functions (names must differ). */
    public GrpoTrainer rewardFuncs(List<NamedReward> functions) {
        new WeightedRewards(functions);      // validates: at least one, distinct names
        List<NamedReward> copy = List.copyOf(functions);
        return change(t -> t.rewardFuncs = copy);
    }

    /** Adds one reward function, logged as {@code rewards/<name>/mean} and {@code /std}. */
    public GrpoTrainer rewardFunc(String name, RewardFunction function) {
        List<NamedReward> more = new ArrayList<>(rewardFuncs);
        more.add(NamedReward.of(name, function));
        return rewardFuncs(more);
    }

    /** TRL's {@code reward_weights}: one per reward function, in order (default all 1). */
    public GrpoTrainer rewardWeights(double... weights) {
        for (double w : weights) {
            if (!Double.isFinite(w)) {
                throw new IllegalArgumentException("reward_weights must be finite, got " + java.util.Arrays.toString(weights));
            }
        }
        double[] copy = weights.clone();
        return change(t -> t.rewardWeights = copy);
    }

    /** Completions sampled per prompt (TRL default 8); at least 2 for a group advantage to be non-zero. */
    public GrpoTrainer numGenerations(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("num_generations must be >= 1, got " + n);
        }
        return change(t -> t.numGenerations = n);
    }

    /** The most tokens a completion may have (TRL default 256); also dr_grpo's normalising constant. */
    public GrpoTrainer maxCompletionLength(int n) {
        GrpoLossConfig checked = loss.maxCompletionLength(n);
        return change(t -> {
            t.maxCompletionLength = n;
            t.loss = checked;
        });
    }

    /** Sampling temperature, also dividing the logits of every log-prob the loss uses (TRL default 1); must be > 0. */
    public GrpoTrainer temperature(double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("temperature must be a finite number > 0 for GRPO (it samples), got " + v);
        }
        SamplingConfig s = sampling.temperature(v);
        return change(t -> t.sampling = s);
    }

    /** Nucleus sampling (TRL default 1 = off). */
    public GrpoTrainer topP(double v) {
        SamplingConfig s = sampling.topP(v);
        return change(t -> t.sampling = s);
    }

    /** Top-k sampling (TRL default 0 = off). */
    public GrpoTrainer topK(int v) {
        SamplingConfig s = sampling.topK(v);
        return change(t -> t.sampling = s);
    }

    /** Min-p sampling (TRL default off = 0). */
    public GrpoTrainer minP(double v) {
        SamplingConfig s = sampling.minP(v);
        return change(t -> t.sampling = s);
    }

    /** Repetition penalty while sampling (TRL default 1 = off). */
    public GrpoTrainer repetitionPenalty(double v) {
        SamplingConfig s = sampling.repetitionPenalty(v);
        return change(t -> t.sampling = s);
    }

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
     * TRL's {@code num_iterations} (default 1): each sampled micro-batch is trained on this many
     * consecutive times, against the log-probs of the policy that sampled it. The loop's batches in between
     * are skipped, so with {@code n > 1} an epoch trains on about {@code 1/n} of the prompts; count steps
     * with {@code maxSteps}.
     */
    public GrpoTrainer numIterations(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("num_iterations must be >= 1, got " + n);
        }
        return change(t -> t.numIterations = n);
    }

    /** Exclude completions that hit {@code maxCompletionLength} from the loss (TRL default false). */
    public GrpoTrainer maskTruncatedCompletions(boolean on) { return change(t -> t.maskTruncatedCompletions = on); }

    /** How prompts are encoded (default: the model's InternVL collator, seeded by run seed and examples). */
    public GrpoTrainer collator(Function<List<PreferencePair>, PreferenceBatch> c) { return change(t -> t.collator = c); }

    /** Token ids to text for the reward functions (default: the model's tokenizer, special tokens skipped). */
    public GrpoTrainer decoder(Function<long[], String> d) { return change(t -> t.decoder = d); }

    /** The sampling settings in effect (the seed is replaced per generation round). */
    public SamplingConfig sampling() { return sampling.maxNewTokens(maxCompletionLength); }

    /** The loss settings in effect. */
    public GrpoLossConfig lossConfig() { return loss; }

    /** Trains; returns the run and the completions table. */
    public GrpoRun fit() {
        CompletionLog log = new CompletionLog(rewardNames());
        try (Session s = new Session(null, log)) {
            return new GrpoRun(s.loop.fit(), log.table());
        }
    }

    /** Continues from the latest checkpoint under {@code dir} (or the checkpoint {@code dir} itself). */
    public GrpoRun resume(Path dir) {
        try {
            Path checkpoint = Checkpoint.latest(dir);
            GrpoTrainer into = outputDir() == null ? output(checkpoint.getParent()) : this;
            CompletionLog log = new CompletionLog(rewardNames());
            try (Session s = into.new Session(checkpoint.getParent(), log)) {
                TrainRun run = s.loop.resume(checkpoint);
                return new GrpoRun(run, log.table());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> rewardNames() { return rewardFuncs.stream().map(NamedReward::name).toList(); }

    private WeightedRewards weightedRewards() {
        if (rewardFuncs.isEmpty()) {
            throw new IllegalArgumentException("no reward function: call rewardFunc(name, function) at least once");
        }
        if (rewardWeights == null) {
            return new WeightedRewards(rewardFuncs);
        }
        if (rewardWeights.length != rewardFuncs.size()) {
            throw new IllegalArgumentException("reward_weights has " + rewardWeights.length + " values for "
                    + rewardFuncs.size() + " reward functions " + rewardNames() + ": give one weight per function");
        }
        List<NamedReward> weighted = new ArrayList<>();
        for (int i = 0; i < rewardWeights.length; i++) {
            weighted.add(rewardFuncs.get(i).weight(rewardWeights[i]));
        }
        return new WeightedRewards(weighted);
    }

    private Function<List<PreferencePair>, PreferenceBatch> promptCollator() {
        if (collator != null) {
            return collator;
        }
        InternVlCollator internVl = InternVlCollator.forModel(model);
        long seed = trainConfig().seed();
        return pairs -> internVl.collate(pairs, seed * 31 + pairs.stream().mapToInt(p -> p.source().hashCode()).sum());
    }

    private Function<long[], String> textDecoder() {
        if (decoder != null) {
            return decoder;
        }
        return model.tokenizer().<Function<long[], String>>map(t -> ids -> t.decode(ids, true)).orElse(null);
    }

    /** One fit: the loop, and the reference copy to free afterwards. */
    private final class Session implements AutoCloseable {
        final TrainLoop<PromptBatch> loop;
        CausalLm frozen;

        Session(Path resumeRoot, CompletionLog log) {
            if (train.isEmpty()) {
                throw new IllegalArgumentException("no training prompts: call data(pairs) with at least one example");
            }
            Function<long[], String> decode = textDecoder();
            SamplingConfig how = sampling().eosTokenIds(List.of((long) model.tokens().eos()));
            if (decode == null && !how.stopStrings().isEmpty()) {
                throw new IllegalArgumentException("stop strings need a decoder: call decoder(ids -> text)");
            }
            GrpoSetup setup = new GrpoSetup(how, trainConfig().seed(), numGenerations, loss, scaleRewards, numIterations,
                    maskTruncatedCompletions, weightedRewards(), promptCollator(), decode, trainConfig().gradAccum());
            frozen = loss.beta() == 0 ? null : loadOrCopyReference(resumeRoot);
            GrpoObjective objective = new GrpoObjective(model, frozen, setup, log);
            loop = new TrainLoop<>(new ModelTrainable(model), objective, new PromptBatches(train), null, trainConfig(),
                    allListeners(), outputDir());
        }

        /** The initial policy, frozen; saved beside the checkpoints so a resume scores against the same reference. */
        private CausalLm loadOrCopyReference(Path resumeRoot) {
            Path saved = resumeRoot == null ? null : resumeRoot.resolve(REFERENCE_DIR);
            if (saved != null && Files.isDirectory(saved)) {
                try (CausalLm loaded = model.loadSaved(saved)) {
                    return loaded.frozenCopy();
                }
            }
            CausalLm copy = model.frozenCopy();
            if (outputDir() != null && trainConfig().saveEvery() > 0) {
                copy.save(outputDir().resolve(REFERENCE_DIR));
            }
            return copy;
        }

        @Override
        public void close() {
            if (frozen != null) {
                frozen.close();
            }
        }
    }
}
