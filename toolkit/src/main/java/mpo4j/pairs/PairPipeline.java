package mpo4j.pairs;

import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import mpo4j.collate.InternVlCollator;
import mpo4j.collate.PreferenceBatch;
import mpo4j.data.PreferencePair;
import mpo4j.generate.CausalLmLogits;
import mpo4j.generate.CompletionGenerator;
import mpo4j.generate.PromptTokens;
import mpo4j.generate.SampledCompletion;
import mpo4j.generate.SamplingConfig;
import mpo4j.model.CausalLm;
import mpo4j.model.ImageInputs;
import mpo4j.train.ProgressBar;
import mpo4j.train.TrainListener;

/**
 * What both pipelines share: the model, how prompts are encoded (the collator, as training encodes them), how
 * tokens become text, the sampling settings, how many items one generation call takes, and a progress line.
 * Immutable like every configuration: each setting returns a new pipeline.
 *
 * @param <S> the concrete pipeline, so that chains keep their type
 */
public abstract class PairPipeline<S extends PairPipeline<S>> {
    final CausalLm model;
    private Function<List<PreferencePair>, PreferenceBatch> collator;
    private Function<long[], String> decoder;
    private SamplingConfig sampling;
    private int batchSize = 8;
    private PrintStream progress = System.out;

    PairPipeline(CausalLm model, SamplingConfig sampling) {
        this.model = model;
        this.sampling = sampling;
    }

    PairPipeline(PairPipeline<S> other) {
        this.model = other.model;
        this.collator = other.collator;
        this.decoder = other.decoder;
        this.sampling = other.sampling;
        this.batchSize = other.batchSize;
        this.progress = other.progress;
    }

    /** A copy of this pipeline (the concrete type). */
    abstract S copy();

    /** The pipeline's own settings, as {@link #toString()} shows them (InternVL's names). */
    abstract String methodSettings();

    /** A changed copy. */
    final S change(Consumer<S> edit) {
        S c = copy();
        edit.accept(c);
        return c;
    }

    /** How prompts are encoded (default: the model's InternVL collator with its defaults). */
    public S collator(Function<List<PreferencePair>, PreferenceBatch> c) { return change(p -> ((PairPipeline<S>) p).collator = c); }

    /** Token ids to text (default: the model's tokenizer, special tokens skipped). */
    public S decoder(Function<long[], String> d) { return change(p -> ((PairPipeline<S>) p).decoder = d); }

    /** How tokens are chosen; the model's end id is added when the config names no eos id. */
    public S sampling(SamplingConfig how) {
        if (how == null) {
            throw new IllegalArgumentException("sampling must be a SamplingConfig, got null");
        }
        return change(p -> ((PairPipeline<S>) p).sampling = how);
    }

    /** Items per generation call (default 8); results do not depend on it. */
    public S batchSize(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch_size must be >= 1, got " + n);
        }
        return change(p -> ((PairPipeline<S>) p).batchSize = n);
    }

    /** Print a progress line while running (default on, to standard output). */
    public S progressBar(boolean on) { return change(p -> ((PairPipeline<S>) p).progress = on ? System.out : null); }

    /** The sampling settings in effect (without the model's end id, added at run time). */
    public SamplingConfig sampling() { return sampling; }

    int batchSize() { return batchSize; }

    Function<List<PreferencePair>, PreferenceBatch> promptCollator() {
        if (collator != null) {
            return collator;
        }
        InternVlCollator internVl = InternVlCollator.forModel(model);
        return internVl::collate;
    }

    Function<long[], String> textDecoder() {
        if (decoder != null) {
            return decoder;
        }
        return model.tokenizer().<Function<long[], String>>map(t -> ids -> t.decode(ids, true)).orElseThrow(() ->
                new IllegalArgumentException("the model has no tokenizer: call decoder(ids -> text)"));
    }

    private SamplingConfig runSampling() {
        return sampling.orModelEos(model.tokens());
    }

    /**
     * {@code n} completions of each prompt, prompt-major; {@code images} holds one group of tiles per prompt
     * (or is null). Each prompt's key (with the sampling seed) fixes its random streams.
     */
    List<SampledCompletion> sample(List<PromptTokens> prompts, ImageInputs images, int n) {
        try (CausalLmLogits logits = CausalLmLogits.of(model, images)) {
            return new CompletionGenerator(runSampling(), textDecoder()).generate(logits, prompts, n);
        }
    }

    /** A scope for one batch's arrays. */
    NDManager scope() { return model.manager().newSubManager(); }

    /**
     * One line a notebook or JShell prints: the pipeline's own settings, then sampling (greedy or temperature,
     * top_p, top_k; min_p, repetition_penalty and stop strings only when set), the seed, the batch size, and
     * which defaults were replaced.
     */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(getClass().getSimpleName()).append('[').append(methodSettings()).append(", ");
        if (sampling.isGreedy()) {
            text.append("greedy");
        } else {
            text.append("temperature ").append(sampling.temperature()).append(" top_p ").append(sampling.topP())
                    .append(" top_k ").append(sampling.topK());
            if (sampling.minP() != 0) {
                text.append(" min_p ").append(sampling.minP());
            }
        }
        if (sampling.repetitionPenalty() != 1) {
            text.append(" repetition_penalty ").append(sampling.repetitionPenalty());
        }
        text.append(", at most ").append(sampling.maxNewTokens()).append(" new tokens");
        if (!sampling.stopStrings().isEmpty()) {
            text.append(", stop_strings ").append(sampling.stopStrings());
        }
        if (!sampling.eosTokenIds().isEmpty()) {
            text.append(", eos_token_id ").append(sampling.eosTokenIds());
        }
        text.append(", seed ").append(sampling.seed()).append(", batch_size ").append(batchSize);
        if (collator != null) {
            text.append(", own collator");
        }
        if (decoder != null) {
            text.append(", own decoder");
        }
        if (progress == null) {
            text.append(", no progress bar");
        }
        return text.append(']').toString();
    }

    /** Prints the progress line after {@code done} of {@code total} items. */
    void progress(int done, int total, long startNanos, Map<String, Integer> counts) {
        if (progress == null) {
            return;
        }
        long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
        String line = ProgressBar.line(new TrainListener.Progress(done, total, 0, Map.of(), elapsedMs, done));
        progress.print("\r" + line + "  kept " + counts.getOrDefault("kept", 0) + "  dropped " + (done - counts.getOrDefault("kept", 0)));
        if (done == total) {
            progress.println();
        }
        progress.flush();
    }
}
