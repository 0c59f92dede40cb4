package mpo4j.generate;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Batched sampling of {@code numGenerations} completions per prompt from any {@link NextTokenLogits}
 * model. Rows are laid out as TRL lays them out ({@code repeat_interleave}): row {@code p * numGenerations
 * + g} is completion {@code g} of prompt {@code p}. Each row stops on its own ({@link StopCriteria}) and
 * leaves the batch; the model is then only asked about the rows still active.
 *
 * <p>Row {@code (prompt key, g)} draws its tokens from {@link RowRandom} with the config's seed, so the
 * completions of a prompt do not depend on the other prompts in the call nor on their order.
 */
public final class CompletionGenerator {
    private final SamplingConfig config;
    private final Function<long[], String> decode;

    /**
     * @param config how to choose tokens and when to stop
     * @param decode token ids to text, for stop strings and {@link SampledCompletion#text()}; may be null
     *     when no stop strings are set (texts are then empty)
     */
    public CompletionGenerator(SamplingConfig config, Function<long[], String> decode) {
        if (decode == null && !config.stopStrings().isEmpty()) {
            throw new IllegalArgumentException("stop_strings " + config.stopStrings() + " need a decode function");
        }
        this.config = config;
        this.decode = decode;
    }

    /** The configuration it was built with. */
    public SamplingConfig config() { return config; }

    /**
     * Generates {@code numGenerations} completions for every prompt.
     *
     * @return {@code prompts.size() * numGenerations} completions, prompt-major
     */
    public List<SampledCompletion> generate(NextTokenLogits model, List<PromptTokens> prompts, int numGenerations) {
        if (numGenerations < 1) {
            throw new IllegalArgumentException("num_generations must be >= 1, got " + numGenerations);
        }
        Set<Long> keys = new HashSet<>();
        for (PromptTokens p : prompts) {
            if (!keys.add(p.key())) {
                throw new IllegalArgumentException("prompt key " + p.key() + " appears twice; keys identify random streams");
            }
        }
        int rows = prompts.size() * numGenerations;
        if (rows == 0) {
            return List.of();
        }
        long[][] promptIds = new long[rows][];
        long[] rowKeys = new long[rows];
        int[] rowGenerations = new int[rows];
        List<long[]> rowPrompts = new ArrayList<>(rows);
        for (int p = 0; p < prompts.size(); p++) {
            long[] ids = prompts.get(p).tokenIds();
            for (int g = 0; g < numGenerations; g++) {
                int r = p * numGenerations + g;
                promptIds[r] = ids;
                rowKeys[r] = prompts.get(p).key();
                rowGenerations[r] = g;
                rowPrompts.add(ids);
            }
        }
        int max = config.maxNewTokens();
        long[][] tokens = new long[rows][max];
        double[][] logprobs = new double[rows][max];
        double[][] modelLogprobs = new double[rows][max];
        FinishReason[] finish = new FinishReason[rows];
        int[] lengths = new int[rows];
        StopCriteria stop = new StopCriteria(config);
        TokenSampler sampler = new TokenSampler(config);
        boolean penalise = config.repetitionPenalty() != 1.0;

        int[] active = new int[rows];
        Arrays.setAll(active, i -> i);
        NDArray logits = model.start(rowPrompts);
        for (int step = 0; active.length > 0; step++) {
            SampledTokens chosen;
            try (NDArray current = logits) {
                if (current.getShape().dimension() != 2 || current.getShape().get(0) != active.length) {
                    throw new IllegalStateException("the model returned logits of shape " + current.getShape() + " for "
                            + active.length + " active rows; expected [" + active.length + ", vocab]");
                }
                long[][] seen = new long[active.length][];
                long[] keysNow = new long[active.length];
                int[] generationsNow = new int[active.length];
                for (int i = 0; i < active.length; i++) {
                    int r = active[i];
                    seen[i] = penalise ? concat(promptIds[r], tokens[r], step) : null;
                    keysNow[i] = rowKeys[r];
                    generationsNow[i] = rowGenerations[r];
                }
                chosen = sampler.sample(current, seen, keysNow, generationsNow, step);
            }
            int stillActive = 0;
            for (int i = 0; i < active.length; i++) {
                int r = active[i];
                tokens[r][step] = chosen.ids()[i];
                logprobs[r][step] = chosen.logprobs()[i];
                modelLogprobs[r][step] = chosen.modelLogprobs()[i];
                lengths[r] = step + 1;
                finish[r] = stop.check(tokens[r], step + 1, decode);
                if (finish[r] == null) {
                    stillActive++;
                }
            }
            int[] next = new int[stillActive];
            long[] nextTokens = new long[stillActive];
            for (int i = 0, j = 0; i < active.length; i++) {
                if (finish[active[i]] == null) {
                    next[j] = active[i];
                    nextTokens[j++] = chosen.ids()[i];
                }
            }
            active = next;
            if (active.length > 0) {
                logits = model.next(active, nextTokens);
            }
        }

        List<SampledCompletion> out = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            int n = lengths[r];
            long[] ids = Arrays.copyOf(tokens[r], n);
            out.add(new SampledCompletion(rowKeys[r], rowGenerations[r], ids, decode == null ? "" : decode.apply(ids),
                    Arrays.copyOf(logprobs[r], n), Arrays.copyOf(modelLogprobs[r], n), finish[r]));
        }
        return out;
    }

    private static long[] concat(long[] prompt, long[] generated, int length) {
        long[] all = Arrays.copyOf(prompt, prompt.length + length);
        System.arraycopy(generated, 0, all, prompt.length, length);
        return all;
    }
}
