package mpo4j.rl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.Dataset;
import mpo4j.data.PreferencePair;
import mpo4j.generate.SamplingConfig;
import mpo4j.model.CausalLm;
import mpo4j.online.NamedReward;
import mpo4j.online.RewardFunction;
import mpo4j.online.WeightedRewards;
import mpo4j.train.Checkpoint;
import mpo4j.train.ModelTrainable;
import mpo4j.train.TrainListener;
import mpo4j.train.TrainLoop;
import mpo4j.train.TrainerBase;

/**
 * The settings and the run mechanics every online trainer shares (GRPO, RLOO): prompts, reward functions
 * and weights, sampling ({@code numGenerations}, {@code maxCompletionLength}, {@code temperature},
 * {@code topP}, {@code topK}, {@code minP}, {@code repetitionPenalty}), {@code numIterations},
 * {@code maskTruncatedCompletions}, the prompt collator and the text decoder; TRL's names and defaults,
 * camelCased. Immutable like every trainer: each setting returns a new trainer.
 *
 * <p>{@code batchSize} counts <em>prompts</em> per generation round (each sampled {@code numGenerations}
 * times), where TRL's {@code per_device_train_batch_size} counts completions per micro-batch; by default
 * every micro-batch samples its own completions (TRL's {@code steps_per_generation} = 1; GRPO can split a
 * round over several micro-batches).
 *
 * <p>Listeners that implement {@link CompletionListener} (the notebook's live view does) also get each
 * round's completions with their rewards and advantages, the rows {@link OnlineRun#completions()} ends with.
 *
 * @param <S> the concrete trainer, so that chains keep their type
 */
public abstract class OnlineTrainer<S extends OnlineTrainer<S>> extends TrainerBase<S> {
    private static final String REFERENCE_DIR = "reference";

    final CausalLm model;
    private List<PreferencePair> train = List.of();
    private List<NamedReward> rewardFuncs = List.of();
    private double[] rewardWeights;
    private int numGenerations;
    private int maxCompletionLength = 256;
    private SamplingConfig sampling = SamplingConfig.trlDefaults();
    private int numIterations = 1;
    private boolean maskTruncatedCompletions;
    private Function<List<PreferencePair>, PreferenceBatch> collator;
    private Function<long[], String> decoder;

    OnlineTrainer(CausalLm model, int numGenerations) {
        this.model = model;
        this.numGenerations = numGenerations;
    }

    OnlineTrainer(OnlineTrainer<S> other) {
        super(other);
        this.model = other.model;
        this.train = other.train;
        this.rewardFuncs = other.rewardFuncs;
        this.rewardWeights = other.rewardWeights;
        this.numGenerations = other.numGenerations;
        this.maxCompletionLength = other.maxCompletionLength;
        this.sampling = other.sampling;
        this.numIterations = other.numIterations;
        this.maskTruncatedCompletions = other.maskTruncatedCompletions;
        this.collator = other.collator;
        this.decoder = other.decoder;
    }

    private S set(java.util.function.Consumer<OnlineTrainer<S>> edit) { return change(t -> edit.accept(t)); }

    /** The training prompts (their chosen answers become the {@code answer} column of the reward functions). */
    public S data(List<PreferencePair> prompts) {
        List<PreferencePair> copy = List.copyOf(prompts);
        return set(t -> t.train = copy);
    }

    /** The training prompts from a data set (read once into memory). */
    public S data(Dataset<PreferencePair> prompts) { return data(prompts.toList()); }

    /** TRL's {@code reward_funcs}: replaces the reward functions (at least one; names must differ). */
    public S rewardFuncs(List<NamedReward> functions) {
        new WeightedRewards(functions);      // validates
        List<NamedReward> copy = List.copyOf(functions);
        return set(t -> t.rewardFuncs = copy);
    }

    /** Adds one reward function, logged as {@code rewards/<name>/mean} and {@code /std}. */
    public S rewardFunc(String name, RewardFunction function) {
        List<NamedReward> more = new ArrayList<>(rewardFuncs);
        more.add(NamedReward.of(name, function));
        return rewardFuncs(more);
    }

    /** TRL's {@code reward_weights}: one per reward function, in order (default all 1). */
    public S rewardWeights(double... weights) {
        for (double w : weights) {
            if (!Double.isFinite(w)) {
                throw new IllegalArgumentException("reward_weights must be finite, got " + Arrays.toString(weights));
            }
        }
        double[] copy = weights.clone();
        return set(t -> t.rewardWeights = copy);
    }

    /** Completions sampled per prompt; at least 2 for a group or leave-one-out baseline to carry signal. */
    public S numGenerations(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("num_generations must be >= 1, got " + n);
        }
        return set(t -> t.numGenerations = n);
    }

    /** The most tokens a completion may have (TRL default 256). */
    public S maxCompletionLength(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("max_completion_length must be >= 1, got " + n);
        }
        return set(t -> t.maxCompletionLength = n);
    }

    /** Sampling temperature, also dividing the logits of every log-prob the loss uses (TRL default 1); must be > 0. */
    public S temperature(double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("temperature must be a finite number > 0 for online training (it samples), got " + v);
        }
        SamplingConfig s = sampling.temperature(v);
        return set(t -> t.sampling = s);
    }

    /** Nucleus sampling (TRL default 1 = off). */
    public S topP(double v) {
        SamplingConfig s = sampling.topP(v);
        return set(t -> t.sampling = s);
    }

    /** Top-k sampling (TRL default 0 = off). */
    public S topK(int v) {
        SamplingConfig s = sampling.topK(v);
        return set(t -> t.sampling = s);
    }

    /** Min-p sampling (TRL default off = 0). */
    public S minP(double v) {
        SamplingConfig s = sampling.minP(v);
        return set(t -> t.sampling = s);
    }

    /** Repetition penalty while sampling (TRL default 1 = off). */
    public S repetitionPenalty(double v) {
        SamplingConfig s = sampling.repetitionPenalty(v);
        return set(t -> t.sampling = s);
    }

    /**
     * TRL's {@code num_iterations} (default 1): each sampled micro-batch is trained on this many
     * consecutive times, against the log-probs of the policy that sampled it. The loop's batches in between
     * are not sampled, so with {@code n > 1} an epoch trains on about {@code 1/n} of the prompts; count
     * steps with {@code maxSteps}.
     */
    public S numIterations(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("num_iterations must be >= 1, got " + n);
        }
        return set(t -> t.numIterations = n);
    }

    /** Exclude completions that hit {@code maxCompletionLength} from the loss (TRL default false). */
    public S maskTruncatedCompletions(boolean on) { return set(t -> t.maskTruncatedCompletions = on); }

    /** How prompts are encoded (default: the model's InternVL collator). */
    public S collator(Function<List<PreferencePair>, PreferenceBatch> c) { return set(t -> t.collator = c); }

    /** Token ids to text for the reward functions (default: the model's tokenizer, special tokens skipped). */
    public S decoder(Function<long[], String> d) { return set(t -> t.decoder = d); }

    /** The sampling settings in effect (the seed is replaced per generation round). */
    public SamplingConfig sampling() { return sampling.maxNewTokens(maxCompletionLength); }

    /** Completions per prompt. */
    public int numGenerations() { return numGenerations; }

    /** The most tokens a completion may have. */
    public int maxCompletionLength() { return maxCompletionLength; }

    /** Micro-batches one generation round is split into (1 unless the method supports TRL's {@code steps_per_generation}). */
    int stepsPerGeneration() { return 1; }

    /** Whether the method needs a frozen reference model. */
    abstract boolean needsReference();

    /** The method's own settings (its loss configuration), as {@link #toString()} shows them. */
    abstract String methodSettings();

    /** One line a notebook or JShell prints: the method, prompts and sampling, reward functions, the loop's settings. */
    @Override
    public String toString() {
        List<String> rewards = new ArrayList<>();
        for (int i = 0; i < rewardFuncs.size(); i++) {
            rewards.add(rewardFuncs.get(i).name() + (rewardWeights == null ? "" : " x " + rewardWeights[i]));
        }
        SamplingConfig how = sampling();
        return getClass().getSimpleName() + "[" + methodSettings() + ", " + train.size() + " prompts x " + numGenerations
                + " generations, at most " + maxCompletionLength + " new tokens, temperature " + how.temperature() + " top_p "
                + how.topP() + " top_k " + how.topK() + ", rewards " + rewards + (numIterations == 1 ? "" : ", " + numIterations
                + " iterations") + ", " + trainConfig() + "]";
    }

    /** The method's objective. */
    abstract OnlineObjective<?> objective(OnlineSetup setup, CausalLm reference, CompletionLog log);

    /** Trains; returns the run and the completions table. */
    public OnlineRun fit() {
        try (Session s = new Session(null)) {
            return new OnlineRun(s.loop.fit(), s.log.table());
        }
    }

    /** Continues from the latest checkpoint under {@code dir} (or the checkpoint {@code dir} itself). */
    public OnlineRun resume(Path dir) {
        try {
            Path checkpoint = Checkpoint.latest(dir);
            S into = outputDir() == null ? output(checkpoint.getParent()) : self();
            try (OnlineTrainer<S>.Session s = into.new Session(checkpoint.getParent())) {
                return new OnlineRun(s.loop.resume(checkpoint), s.log.table());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private S self() { return (S) this; }

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
        // image augmentation seeded by the run seed and the examples, so a resumed run sees the same tiles
        return pairs -> internVl.collate(pairs, seed * 31 + pairs.stream().mapToInt(p -> p.source().hashCode()).sum());
    }

    private Function<long[], String> textDecoder() {
        if (decoder != null) {
            return decoder;
        }
        return model.tokenizer().<Function<long[], String>>map(t -> ids -> t.decode(ids, true)).orElse(null);
    }

    /** One fit: the loop, its completions table, and the reference copy to free afterwards. */
    final class Session implements AutoCloseable {
        final TrainLoop<PromptBatch> loop;
        final CompletionLog log;
        private CausalLm frozen;

        Session(Path resumeRoot) {
            if (train.isEmpty()) {
                throw new IllegalArgumentException("no training prompts: call data(pairs) with at least one example");
            }
            Function<long[], String> decode = textDecoder();
            SamplingConfig how = sampling().orModelEos(model.tokens());
            if (decode == null && !how.stopStrings().isEmpty()) {
                throw new IllegalArgumentException("stop strings need a decoder: call decoder(ids -> text)");
            }
            int slices = stepsPerGeneration();
            int rows = trainConfig().batchSize() * numGenerations;
            if (rows % slices != 0) {
                throw new IllegalArgumentException("steps_per_generation (" + slices + ") must divide the completions of a generation"
                        + " round: batch_size " + trainConfig().batchSize() + " x num_generations " + numGenerations + " = " + rows);
            }
            OnlineSetup setup = new OnlineSetup(how, trainConfig().seed(), numGenerations, numIterations, slices,
                    maskTruncatedCompletions, weightedRewards(), promptCollator(), decode, trainConfig().gradAccum());
            frozen = needsReference() ? loadOrCopyReference(resumeRoot) : null;
            List<TrainListener> listeners = allListeners();
            // the live view (ours or the notebook's default one) also wants each round's completions
            log = new CompletionLog(rewardNames(), listeners.stream()
                    .filter(CompletionListener.class::isInstance).map(CompletionListener.class::cast).toList());
            loop = new TrainLoop<>(new ModelTrainable(model), objective(setup, frozen, log), new PromptBatches(train), null,
                    trainConfig(), listeners, outputDir());
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
