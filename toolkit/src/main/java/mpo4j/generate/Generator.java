package mpo4j.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import mpo4j.model.CausalLm;
import mpo4j.model.ImageInputs;

/**
 * Continues prompts with any {@link CausalLm}: a convenience over {@link CompletionGenerator} and
 * {@link CausalLmLogits} (the one generation loop of the toolkit) for callers that hold plain token ids and
 * per-prompt tiles, e.g. held-out answer checks. Greedy decoding is {@link SamplingConfig#greedy(int)};
 * any other {@link SamplingConfig} samples, with prompt {@code i} of a call keyed {@code i}.
 *
 * <p>Rows stop at an eos id of the config, or at any of the model's end ids ({@link mpo4j.model.TokenIds#eosIds()})
 * when the config names none; padding is masked, so greedy decoding gives every row the tokens it would
 * get alone.
 */
public final class Generator {
    private final CausalLm model;

    private Generator(CausalLm model) { this.model = model; }

    /** A generator over {@code model}. */
    public static Generator of(CausalLm model) { return new Generator(model); }

    /**
     * Continues one prompt; returns the new tokens only (the end id included if produced).
     *
     * @param prompt token ids, containing the prompt's {@code <IMG_CONTEXT>} tokens if it has tiles
     * @param pixelValues the prompt's tiles {@code [T, 3, S, S]}, or {@code null}
     */
    public long[] generate(long[] prompt, NDArray pixelValues, SamplingConfig how) {
        return generate(List.of(prompt), Collections.singletonList(pixelValues), how).get(0);
    }

    /**
     * Continues several prompts at once (one decoding step for all of them); the new tokens of each.
     *
     * @param pixelValues one entry per prompt: its tiles {@code [T, 3, S, S]}, or {@code null}
     */
    public List<long[]> generate(List<long[]> prompts, List<NDArray> pixelValues, SamplingConfig how) {
        return complete(prompts, pixelValues, how, null).stream().map(SampledCompletion::tokenIds).toList();
    }

    /**
     * One completion per prompt, with text (when {@code decode} is given), log-probs and finish reason.
     *
     * @param pixelValues one entry per prompt: its tiles {@code [T, 3, S, S]}, or {@code null}
     * @param decode token ids to text, or null (texts are then empty; stop strings need it)
     */
    public List<SampledCompletion> complete(List<long[]> prompts, List<NDArray> pixelValues, SamplingConfig how,
            java.util.function.Function<long[], String> decode) {
        int n = prompts.size();
        if (pixelValues.size() != n) {
            throw new IllegalArgumentException(n + " prompts but " + pixelValues.size() + " pixel-value entries");
        }
        if (n == 0) {
            return List.of();
        }
        SamplingConfig config = how.orModelEos(model.tokens());
        List<PromptTokens> keyed = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keyed.add(new PromptTokens(i, prompts.get(i)));
        }
        try (NDManager scope = model.manager().newSubManager();
             CausalLmLogits logits = CausalLmLogits.of(model, promptImages(pixelValues, scope))) {
            return new CompletionGenerator(config, decode).generate(logits, keyed, 1);
        }
    }

    /** One group of tiles per prompt (empty for a prompt without image), or null when no prompt has tiles. */
    private static ImageInputs promptImages(List<NDArray> pixelValues, NDManager scope) {
        List<NDArray> present = new ArrayList<>();
        int[] offsets = new int[pixelValues.size() + 1];
        for (int r = 0; r < pixelValues.size(); r++) {
            NDArray p = pixelValues.get(r);
            offsets[r + 1] = offsets[r] + (p == null ? 0 : Math.toIntExact(p.getShape().get(0)));
            if (p != null) {
                present.add(p);
            }
        }
        if (present.isEmpty()) {
            return null;
        }
        NDArray all = present.size() == 1 ? present.get(0) : NDArrays.concat(new NDList(present), 0);
        if (present.size() > 1) {
            all.attach(scope);      // a new array: freed with the call, the callers' arrays stay theirs
        }
        int[] rowToGroup = new int[pixelValues.size()];
        Arrays.setAll(rowToGroup, i -> i);
        return ImageInputs.of(all, offsets, rowToGroup);
    }
}
